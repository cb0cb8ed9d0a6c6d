"""Failed-login throttle: per (user, network) lockout, per-network delays only, account
lockout, forgetting, and a table that stays bounded."""

from __future__ import annotations

import logging

import pytest
from tests.auth.auth_fakes import FakeClock

from cms_dav.auth.throttle import LoginThrottle, ThrottlePolicy, memory_engine, network_key


def make(clock: FakeClock, threshold: int = 5, account: int = 0, lockout: float = 300,
         max_rows: int = 100_000) -> LoginThrottle:
    policy = ThrottlePolicy(lockout_threshold=threshold, account_lockout_threshold=account,
                            lockout_seconds=lockout, first_delay=0.25, max_delay=2.0,
                            max_rows=max_rows)
    return LoginThrottle(memory_engine(), policy, clock=clock)


def fail(throttle: LoginThrottle, user: str, address: str | None, times: int = 1) -> None:
    for _ in range(times):
        throttle.record_failure(user, address)


def test_delay_doubles_with_each_failure_up_to_the_cap(clock: FakeClock) -> None:
    throttle = make(clock, threshold=100)
    delays = []
    for _ in range(7):
        delays.append(throttle.check("alice", "10.0.0.1").delay)
        fail(throttle, "alice", "10.0.0.1")
    assert delays == [0, 0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_the_pair_is_locked_out_at_the_threshold_but_not_below(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, lockout=300)
    fail(throttle, "alice", "10.0.0.1", 2)
    assert throttle.check("alice", "10.0.0.1").locked_for == 0
    fail(throttle, "alice", "10.0.0.1")
    assert throttle.check("alice", "10.0.0.1").locked_for == 300
    clock.advance(299)
    assert throttle.check("alice", "10.0.0.1").locked_for == 1


def test_a_pair_lockout_leaves_the_same_user_on_another_network_alone(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    fail(throttle, "alice", "10.0.0.1", 3)
    assert throttle.check("alice", "10.0.0.2").locked_for == 0


def test_a_network_guessing_many_names_is_slowed_down_but_never_locked_out(
        clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    for index in range(30):
        fail(throttle, f"name{index}", "10.0.0.66")
    verdict = throttle.check("bob", "10.0.0.66")
    assert verdict.locked_for == 0
    assert verdict.delay == 2.0
    assert throttle.check("bob", "10.0.0.1").delay == 0


def test_hammering_one_user_from_a_shared_address_does_not_lock_another_user(
        clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, account=10)
    fail(throttle, "alice", "10.0.0.66", 50)
    assert throttle.check("bob", "10.0.0.66").locked_for == 0


def test_the_account_is_locked_out_after_failures_from_many_networks(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, account=5)
    for index in range(5):
        fail(throttle, "alice", f"10.0.1.{index}")
    verdict = throttle.check("alice", "10.0.9.9")
    assert (verdict.locked_for, verdict.locked_by) == (300, "account")


def test_ipv6_addresses_of_one_slash_64_count_as_one_network(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    for suffix in ("1", "2", "3"):
        fail(throttle, "alice", f"2001:db8:0:1::{suffix}")
    assert throttle.check("alice", "2001:db8:0:1::ffff").locked_for > 0
    assert throttle.check("alice", "2001:db8:0:2::1").locked_for == 0
    assert network_key("::ffff:10.1.2.3") == "10.1.2.3"


def test_the_lockout_ends_after_the_lockout_time_and_the_counters_restart(
        clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, lockout=300)
    fail(throttle, "alice", "10.0.0.1", 3)
    clock.advance(300)
    assert throttle.check("alice", "10.0.0.1").locked_for == 0
    fail(throttle, "alice", "10.0.0.1")
    assert throttle.check("alice", "10.0.0.1").locked_for == 0
    assert throttle.failures("pair", "alice", "10.0.0.1") == 1


def test_failures_older_than_the_lockout_time_are_forgotten(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, lockout=300)
    fail(throttle, "alice", "10.0.0.1", 2)
    clock.advance(300)
    assert throttle.failures_of_user("alice") == 0
    assert throttle.check("alice", "10.0.0.1").delay == 0


def test_success_clears_the_pair_and_account_but_not_the_network(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    fail(throttle, "alice", "10.0.0.66", 2)
    throttle.record_success("alice", "10.0.0.66", throttle.check("alice", "10.0.0.66"))
    assert throttle.failures("pair", "alice", "10.0.0.66") == 0
    assert throttle.failures_of_user("alice") == 0
    assert throttle.failures_of_address("10.0.0.66") == 2


def test_threshold_zero_never_locks_out(clock: FakeClock) -> None:
    throttle = make(clock, threshold=0)
    fail(throttle, "alice", "10.0.0.1", 20)
    assert throttle.check("alice", "10.0.0.1").locked_for == 0


def test_unknown_address_counts_per_user(clock: FakeClock) -> None:
    throttle = make(clock, threshold=2)
    fail(throttle, "alice", None, 2)
    assert throttle.check("alice", None).locked_for > 0


def test_unlock_lifts_every_lockout_of_the_user(clock: FakeClock) -> None:
    throttle = make(clock, threshold=2, account=3)
    fail(throttle, "alice", "10.0.0.1", 2)
    fail(throttle, "alice", "10.0.0.2", 1)
    assert len(throttle.unlock("alice")) == 3
    assert throttle.check("alice", "10.0.0.1").locked_for == 0
    assert throttle.check("alice", "10.0.0.3").locked_for == 0


def test_unlock_with_an_address_lifts_only_that_pair(clock: FakeClock) -> None:
    throttle = make(clock, threshold=2)
    fail(throttle, "alice", "10.0.0.1", 2)
    fail(throttle, "alice", "10.0.0.2", 2)
    throttle.unlock("alice", "10.0.0.1")
    assert throttle.check("alice", "10.0.0.1").locked_for == 0
    assert throttle.check("alice", "10.0.0.2").locked_for > 0


def test_a_flood_of_names_and_addresses_keeps_the_table_bounded(clock: FakeClock) -> None:
    throttle = make(clock, threshold=2, max_rows=30)
    fail(throttle, "alice", "10.0.0.1", 2)   # a lockout: kept before unlocked rows
    for index in range(40):
        fail(throttle, f"n{index}", f"10.9.{index}.1")
    with throttle.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM login_failures").scalar_one()
    assert rows <= 30 + 3
    assert throttle.check("alice", "10.0.0.1").locked_for > 0


def test_huge_user_names_are_stored_at_a_fixed_size(clock: FakeClock) -> None:
    throttle = make(clock, threshold=2)
    fail(throttle, "x" * 100_000, "10.0.0.1", 2)
    assert throttle.check("x" * 100_000, "10.0.0.1").locked_for > 0
    assert throttle.check("x" * 99_999, "10.0.0.1").locked_for == 0


def test_the_lockout_is_logged_with_user_and_address(
        clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    throttle = make(clock, threshold=2)
    with caplog.at_level(logging.WARNING, logger="cms_dav.auth"):
        fail(throttle, "alice", "10.0.0.7", 2)
    [record] = [r for r in caplog.records if "locking out" in r.getMessage()]
    assert "'alice'" in record.getMessage() and "10.0.0.7" in record.getMessage()

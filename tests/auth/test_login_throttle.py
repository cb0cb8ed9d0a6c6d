"""Failed-login throttle: growing delay, lockout, reset, per user and per address."""

from __future__ import annotations

import logging

import pytest
from tests.auth.auth_fakes import FakeClock

from cms_dav.auth.throttle import LoginThrottle


def make(clock: FakeClock, threshold: int = 5, lockout: float = 300) -> LoginThrottle:
    return LoginThrottle(threshold, lockout, base_delay=0.25, max_delay=2.0, clock=clock)


def test_delay_doubles_with_each_failure_up_to_the_cap(clock: FakeClock) -> None:
    throttle = make(clock, threshold=100)
    delays = [throttle.record_failure("alice", "10.0.0.1") for _ in range(6)]
    assert delays == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_nobody_is_locked_out_below_the_threshold(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    for _ in range(2):
        throttle.record_failure("alice", "10.0.0.1")
    assert throttle.locked_for("alice", "10.0.0.1") == 0


def test_reaching_the_threshold_locks_the_user_out_for_the_lockout_time(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, lockout=300)
    for _ in range(3):
        throttle.record_failure("alice", "10.0.0.1")
    assert throttle.locked_for("alice", "10.0.0.9") == 300
    clock.advance(299)
    assert throttle.locked_for("alice", "10.0.0.9") == 1


def test_the_lockout_ends_after_the_lockout_time(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, lockout=300)
    for _ in range(3):
        throttle.record_failure("alice", "10.0.0.1")
    clock.advance(300)
    assert throttle.locked_for("alice", "10.0.0.1") == 0
    assert throttle.failures_of_user("alice") == 0


def test_an_address_guessing_many_names_is_locked_out(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    for name in ("alice", "bob", "carol"):
        throttle.record_failure(name, "10.0.0.66")
    assert throttle.locked_for("dave", "10.0.0.66") > 0
    assert throttle.locked_for("dave", "10.0.0.1") == 0


def test_delay_follows_the_address_counter_across_names(clock: FakeClock) -> None:
    throttle = make(clock, threshold=100)
    delays = [throttle.record_failure(name, "10.0.0.66") for name in ("a", "b", "c")]
    assert delays == [0.25, 0.5, 1.0]


def test_success_resets_the_users_counter(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    throttle.record_failure("alice", "10.0.0.1")
    throttle.record_failure("alice", "10.0.0.1")
    throttle.record_success("alice")
    assert throttle.failures_of_user("alice") == 0
    assert throttle.record_failure("alice", "10.0.0.2") == 0.25


def test_success_does_not_reset_the_address_counter(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3)
    throttle.record_failure("bob", "10.0.0.66")
    throttle.record_success("mallory")
    assert throttle.failures_of_address("10.0.0.66") == 1


def test_failures_older_than_the_lockout_time_are_forgotten(clock: FakeClock) -> None:
    throttle = make(clock, threshold=3, lockout=300)
    throttle.record_failure("alice", "10.0.0.1")
    throttle.record_failure("alice", "10.0.0.1")
    clock.advance(300)
    assert throttle.failures_of_user("alice") == 0
    assert throttle.record_failure("alice", "10.0.0.1") == 0.25


def test_threshold_zero_never_locks_out(clock: FakeClock) -> None:
    throttle = make(clock, threshold=0)
    for _ in range(20):
        throttle.record_failure("alice", "10.0.0.1")
    assert throttle.locked_for("alice", "10.0.0.1") == 0


def test_unknown_address_counts_per_user_only(clock: FakeClock) -> None:
    throttle = make(clock, threshold=2)
    throttle.record_failure("alice", None)
    throttle.record_failure("alice", None)
    assert throttle.locked_for("alice", None) > 0


def test_the_lockout_is_logged_with_user_and_address(
        clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    throttle = make(clock, threshold=2)
    with caplog.at_level(logging.WARNING, logger="cms_dav.auth"):
        throttle.record_failure("alice", "10.0.0.7")
        throttle.record_failure("alice", "10.0.0.7")
    [record, *_] = [r for r in caplog.records if "locking out" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "'alice'" in record.getMessage() and "10.0.0.7" in record.getMessage()

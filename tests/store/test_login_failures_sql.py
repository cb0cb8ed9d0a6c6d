"""The failed-login counters on both backends: the migration creates the table, the
upsert counts and locks, concurrent writers lose no failure, pruning bounds the table."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from cms_dav.auth.throttle import LoginThrottle, ThrottlePolicy
from cms_dav.store.schema import login_failures
from cms_dav.store.store import Store
from tests.auth.auth_fakes import FakeClock


def throttle(database_url: str, clock: FakeClock, **policy: float) -> LoginThrottle:
    engine = Store.open(database_url).engine
    return LoginThrottle(engine, ThrottlePolicy(**policy), clock=clock)  # type: ignore[arg-type]


def test_the_migrated_table_counts_and_locks_a_pair(database_url: str) -> None:
    clock = FakeClock()
    subject = throttle(database_url, clock, lockout_threshold=2, lockout_seconds=60)
    subject.record_failure("alice", "10.0.0.1")
    subject.record_failure("alice", "10.0.0.1")
    verdict = subject.check("alice", "10.0.0.1")
    assert (verdict.locked_for, verdict.locked_by) == (60, "pair")
    clock.advance(60)
    subject.record_failure("alice", "10.0.0.1")
    assert subject.failures("pair", "alice", "10.0.0.1") == 1


def test_concurrent_failures_are_all_counted(database_url: str) -> None:
    subject = throttle(database_url, FakeClock(), lockout_threshold=0)
    workers = [threading.Thread(target=lambda: [subject.record_failure("bob", "10.0.0.2")
                                                for _ in range(5)]) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert subject.failures_of_user("bob") == 20
    assert subject.failures_of_address("10.0.0.2") == 20


def test_stale_counters_are_pruned_on_the_next_write(database_url: str) -> None:
    clock = FakeClock()
    subject = throttle(database_url, clock, lockout_seconds=60)
    for index in range(10):
        subject.record_failure(f"user{index}", f"10.1.0.{index}")
    clock.advance(61)
    subject.record_failure("carol", "10.2.0.1")
    with subject.engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(login_failures)).scalar_one()
    assert rows == 3

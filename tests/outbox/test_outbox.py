"""The durable outbox (issue 15 item 4): events are written in the change's transaction,
fanned out per target, claimed by one claimant at a time under a lease, retried with
backoff and given up after the retry window; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterable

import pytest
from sqlalchemy import Connection, Table, func, select

from cms_dav.outbox import queue
from cms_dav.outbox.dispatcher import Backoff, Outcome, settle
from cms_dav.outbox.events import OutboxEvent
from cms_dav.outbox.queue import Delivery
from cms_dav.outbox.recorder import OutboxRecorder
from cms_dav.store.records import ItemData
from cms_dav.store.schema import outbox_deliveries, outbox_events
from cms_dav.store.store import Store

BOOK = "alice/contacts"


@dataclass
class TwoTargets:
    """A route sending every event to targets "a" and "b"."""

    consumer: str = "test"

    def active(self, conn: Connection) -> bool:
        return True

    def targets(self, conn: Connection, event: OutboxEvent) -> Iterable[str]:
        return ("a", "b")


@dataclass
class Recorded:
    """A sender that remembers what gave up."""

    consumer: str = "test"
    backoff: Backoff = Backoff(base=10.0, cap=40.0, give_up_after=100.0)
    given_up: list[int] = field(default_factory=list)

    def deliver(self, delivery: Delivery) -> Outcome:
        return Outcome.retry("down")

    def gave_up(self, delivery: Delivery, detail: str) -> None:
        self.given_up.append(delivery.id)

    def tidy(self, now: float) -> None:
        pass


def card(uid: str, note: str = "") -> ItemData:
    text = (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{uid}\r\n"
            f"{'NOTE:' + note + chr(13) + chr(10) if note else ''}END:VCARD\r\n")
    return ItemData(text=text, uid=uid, etag=f'"{uid}{note}"', name="VCARD",
                    component="")


@pytest.fixture
def store(database_url: str) -> Iterable[Store]:
    opened = Store.open(database_url, change_feeds=(OutboxRecorder((TwoTargets(),)),))
    opened.ensure_folder("alice", "alice")
    with opened.writing() as conn:
        from cms_dav.store import collections
        collections.create_tagged(conn, BOOK, {"tag": "VADDRESSBOOK"})
    yield opened
    opened.engine.dispose()


def count(store: Store, table: Table) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_write_records_one_event_with_a_delivery_per_target(store: Store) -> None:
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    delivery = queue.claim(store.engine, "test", "me", 30)
    assert delivery is not None
    assert (delivery.event.kind, delivery.event.collection, delivery.event.href,
            delivery.event.actor) == ("contact.created", BOOK, "c1.vcf", "alice")
    assert delivery.event.sync_token.endswith("-1")
    assert count(store, outbox_events) == 1 and count(store, outbox_deliveries) == 2


def test_a_write_rolled_back_leaves_no_event(store: Store) -> None:
    with pytest.raises(RuntimeError, match="crash"), store.batch([BOOK]):
        store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
        raise RuntimeError("crash before commit")
    assert count(store, outbox_events) == 0 and count(store, outbox_deliveries) == 0


def test_a_claimed_delivery_is_nobody_elses_until_its_lease_ends(store: Store) -> None:
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    first = queue.claim(store.engine, "test", "one", 30, now=1e10)
    second = queue.claim(store.engine, "test", "two", 30, now=1e10)
    assert first is not None and second is not None and first.id != second.id
    assert queue.claim(store.engine, "test", "three", 30, now=1e10) is None
    again = queue.claim(store.engine, "test", "three", 30, now=1e10 + 31)
    assert again is not None and again.id in (first.id, second.id)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_claim_that_finds_nothing_due_takes_no_write_lock(store: Store) -> None:
    """An idle dispatcher polls every second per sender in each worker; on SQLite a PUT
    holding its book's lock had to wait for each poll's write lock (issue 19). SQLite
    only: PostgreSQL writers do not block each other on one lock."""
    answers: list[object] = []
    with store.writing():  # another writer holds SQLite's write lock
        poll = threading.Thread(target=lambda: answers.append(
            queue.claim(store.engine, "test", "idle", 30)))
        poll.start()
        poll.join(timeout=10)
        assert not poll.is_alive()
    assert answers == [None]


def test_a_failed_attempt_waits_by_backoff_then_gives_up(store: Store) -> None:
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    sender = Recorded()
    failing = queue.claim(store.engine, "test", "me", 30)
    other = queue.claim(store.engine, "test", "me", 30)
    assert failing is not None and other is not None
    settle(store.engine, sender, other, Outcome.delivered())
    start = failing.event.created_at
    assert settle(store.engine, sender, failing, Outcome.retry("down"), now=start) == "pending"
    assert queue.claim(store.engine, "test", "me", 30, now=start + 9) is None
    again = queue.claim(store.engine, "test", "me", 30, now=start + 10)
    assert again is not None and again.attempt == 2
    # the next attempt would come 20 s later, past the 100 s window: given up
    assert settle(store.engine, sender, again, Outcome.retry("down"), now=start + 90) == "failed"
    assert sender.given_up == [failing.id]
    assert queue.claim(store.engine, "test", "me", 30, now=start + 1000) is None


def test_a_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(base=1.0, cap=5.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_concurrent_claimants_never_take_the_same_delivery(store: Store) -> None:
    with store.batch([BOOK]):
        for n in range(20):
            store.put_item(BOOK, f"c{n}.vcf", card(f"c{n}"), "alice")
    claimed: list[list[int]] = [[] for _ in range(4)]

    def claimant(mine: list[int], holder: str) -> None:
        while (delivery := queue.claim(store.engine, "test", holder, 30)) is not None:
            mine.append(delivery.id)

    threads = [threading.Thread(target=claimant, args=(claimed[n], f"h{n}"))
               for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [each for mine in claimed for each in mine]
    assert len(every) == 40 and len(set(every)) == 40


def test_a_claim_lost_to_another_claimant_records_nothing(store: Store) -> None:
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    first = queue.claim(store.engine, "test", "slow", 30, now=1e10)
    assert first is not None
    queue.claim(store.engine, "test", "slow", 30, now=1e10)  # the other target's row
    taken = queue.claim(store.engine, "test", "fast", 30, now=1e10 + 31)
    assert taken is not None and taken.id == first.id
    assert not queue.finish(store.engine, first, queue.DELIVERED)
    assert queue.finish(store.engine, taken, queue.DELIVERED)

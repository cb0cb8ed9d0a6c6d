"""Retention rules (issue 13 item 5) on both backends: what housekeeping prunes from the
history, the trash, the audit trail and the sync log, and what it must keep."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from cms_dav.io import trash
from cms_dav.store import lease, retention
from cms_dav.store.retention import DAY, RetentionRules
from cms_dav.store.schema import audit, changes, history, trash_collections
from cms_dav.store.store import Store
from cms_dav.store.sync import InvalidSyncToken
from tests.contacts.index_support import book, card_data, open_test_store, vcard

BOOK = "alice/contacts"


@pytest.fixture
def store(tmp_path, database_url) -> Store:
    store = open_test_store(tmp_path, database_url)
    book(store, BOOK)
    return store


def write_versions(store: Store, uid: str, count: int) -> None:
    """``count`` versions of one card: ``count - 1`` of them end up in the history."""
    for number in range(count):
        text = vcard(uid, f"Person {uid}", f"NOTE:version {number}")
        store.put_item(BOOK, f"{uid}.vcf", card_data(text, uid), "alice")


def versions_of(store: Store, href: str) -> list[str]:
    with store.reading() as conn:
        return [text.split("NOTE:")[1].split("\r\n")[0] for text in conn.execute(
            select(history.c.text).where(history.c.collection_path == BOOK,
                                         history.c.href == href).order_by(history.c.id))
            .scalars()]


def count(store: Store, table) -> int:
    with store.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def rules(**values) -> RetentionRules:
    """Retention rules without the pause between batches (it only spares writers)."""
    return RetentionRules(**{"pause": 0.0, **values})


def later(days: float) -> float:
    return time.time() + days * DAY


def test_versions_past_history_days_are_pruned_down_to_the_newest_keep(store):
    write_versions(store, "a", 15)
    removed = retention.apply(store.engine, rules(history_keep=10, batch=3),
                              now=later(91))
    assert removed.history_versions == 4
    assert versions_of(store, "a.vcf") == [f"version {n}" for n in range(4, 14)]


def test_versions_younger_than_history_days_are_all_kept(store):
    write_versions(store, "a", 15)
    removed = retention.apply(store.engine, rules(history_keep=2), now=later(89))
    assert removed.history_versions == 0
    assert len(versions_of(store, "a.vcf")) == 14


def test_keep_counts_per_item(store):
    write_versions(store, "a", 4)
    write_versions(store, "b", 2)
    retention.apply(store.engine, rules(history_keep=2), now=later(91))
    assert versions_of(store, "a.vcf") == ["version 1", "version 2"]
    assert versions_of(store, "b.vcf") == ["version 0"]


def test_a_deleted_item_stays_restorable_within_trash_days_whatever_history_days_say(store):
    write_versions(store, "a", 3)
    store.delete_item(BOOK, "a.vcf", "alice")
    retention.apply(store.engine, rules(history_days=1, history_keep=0,
                                                 trash_days=30), now=later(10))
    entry = [e for e in trash.list_trash(store) if e.href == "a.vcf"]
    assert len(entry) == 1
    trash.restore(store, entry[0].id, "alice")
    assert store.item_text(store.collection(BOOK).id, "a.vcf") is not None


def test_the_trash_is_purged_after_trash_days(store):
    write_versions(store, "a", 1)
    store.delete_item(BOOK, "a.vcf", "alice")
    removed = retention.apply(store.engine, rules(trash_days=30), now=later(31))
    assert removed.trash_items == 1
    assert trash.list_trash(store) == []


def test_a_trashed_collection_and_its_items_stay_until_trash_days_then_go(store):
    write_versions(store, "a", 1)
    write_versions(store, "b", 1)
    store.delete_collection(BOOK, "alice")
    retention.apply(store.engine, rules(trash_days=30), now=later(29))
    entries = trash.list_trash(store)
    assert [(e.kind, e.items) for e in entries] == [("collection", 2)]
    removed = retention.apply(store.engine, rules(trash_days=30), now=later(31))
    assert (removed.trash_items, removed.trash_collections) == (2, 1)
    assert count(store, trash_collections) == 0 and trash.list_trash(store) == []


def test_audit_entries_past_audit_days_are_deleted_and_younger_ones_kept(store):
    write_versions(store, "a", 3)
    before = count(store, audit)
    assert retention.apply(store.engine, rules(audit_days=365),
                           now=later(364)).audit_entries == 0
    assert count(store, audit) == before
    removed = retention.apply(store.engine, rules(audit_days=365, batch=2),
                              now=later(366))
    assert removed.audit_entries == before
    assert count(store, audit) == 0


def test_sync_tokens_older_than_token_days_become_invalid(store):
    write_versions(store, "a", 1)
    old_token, _ = store.sync(BOOK, "")
    write_versions(store, "b", 1)
    fresh_token, _ = store.sync(BOOK, "")
    removed = retention.apply(store.engine, rules(token_days=30), now=later(31))
    assert (removed.sync_floors_moved, removed.sync_changes) == (1, 2)
    assert count(store, changes) == 0
    with pytest.raises(InvalidSyncToken, match="expired"):
        store.sync(BOOK, old_token)
    assert store.sync(BOOK, fresh_token) == (fresh_token, [])


def test_sync_tokens_within_token_days_stay_valid(store):
    write_versions(store, "a", 1)
    old_token, _ = store.sync(BOOK, "")
    write_versions(store, "b", 1)
    retention.apply(store.engine, rules(token_days=30), now=later(29))
    assert store.sync(BOOK, old_token)[1] == ["b.vcf"]


def test_a_second_run_removes_nothing_more(store):
    write_versions(store, "a", 15)
    store.delete_item(BOOK, "a.vcf", "alice")
    keep_one = rules(history_keep=1)
    assert retention.apply(store.engine, keep_one, now=later(400)).total > 0
    assert retention.apply(store.engine, keep_one, now=later(400)).total == 0


def test_the_lease_has_one_holder_until_released_or_expired(store):
    engine = store.engine
    assert lease.acquire(engine, "housekeeping", "node-a", 60)
    assert not lease.acquire(engine, "housekeeping", "node-b", 60)
    assert lease.acquire(engine, "housekeeping", "node-a", 60)  # renewal
    assert lease.acquire(engine, "housekeeping", "node-b", 60, now=later(1))  # expired
    lease.release(engine, "housekeeping", "node-a")  # not the holder any more: no effect
    assert not lease.acquire(engine, "housekeeping", "node-a", 60)
    lease.release(engine, "housekeeping", "node-b")
    assert lease.acquire(engine, "housekeeping", "node-a", 60)


def test_a_run_asked_to_stop_raises_before_its_next_batch(store):
    write_versions(store, "a", 15)
    stop = threading.Event()
    stop.set()
    with pytest.raises(retention.Interrupted):
        retention.apply(store.engine, rules(history_keep=1), now=later(400), stop=stop)
    assert len(versions_of(store, "a.vcf")) == 14

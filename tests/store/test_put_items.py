"""``Store.put_items``: many items of one collection in one transaction, each refused
on its own (issue 19 target 5: ``cms-dav import``'s batches), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms_dav.store import items
from cms_dav.store.records import WriteResult
from cms_dav.store.schema import audit, changes
from cms_dav.store.store import Store
from tests.store.facade_cards import card, store_with_books


@pytest.fixture
def store(database_url: str) -> Store:
    return store_with_books(database_url, "a")


def test_a_uid_conflict_in_a_batch_refuses_that_item_and_stores_the_others(store):
    store.put_item("alice/a", "taken.vcf", card("taken", "Stored"), "alice")
    answers = store.put_items("alice/a", [("x.vcf", card("x", "X")),
                                          ("other.vcf", card("taken", "Same UID")),
                                          ("y.vcf", card("y", "Y"))], "alice")
    assert [type(a) for a in answers] == [WriteResult, items.UidConflict, WriteResult]
    collection = store.collection("alice/a")
    assert set(store.items_by_href(collection.id, ["x.vcf", "other.vcf", "y.vcf"])) == \
        {"x.vcf", "y.vcf"}


def test_a_batch_logs_one_change_and_one_audit_entry_per_stored_item_in_order(store):
    store.put_items("alice/a", [("x.vcf", card("x", "X")), ("y.vcf", card("y", "Y")),
                                ("x.vcf", card("x", "X again"))], "alice")
    with store.reading() as conn:
        logged = conn.execute(select(changes.c.seq, changes.c.href)
                              .order_by(changes.c.seq)).all()
        entries = conn.execute(select(audit.c.href, audit.c.kind)
                               .where(audit.c.action == "item.put")
                               .order_by(audit.c.id)).all()
    assert [href for _, href in logged] == ["x.vcf", "y.vcf", "x.vcf"]
    assert entries == [("x.vcf", "create"), ("y.vcf", "create"), ("x.vcf", "update")]
    collection = store.collection("alice/a")
    assert store.item(collection.id, "x.vcf").text == card("x", "X again").text

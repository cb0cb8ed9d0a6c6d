"""The store facade without HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms_dav.store import sync
from cms_dav.store.schema import audit, history
from cms_dav.store.store import Store
from tests.store.facade_cards import card, store_with_books


@pytest.fixture
def store(database_url: str) -> Store:
    return store_with_books(database_url, "a", "b")


def test_a_move_is_history_but_not_trash(store):
    store.put_item("alice/a", "x.vcf", card("x", "Moved Person"), "alice")
    store.move_item("alice/a", "x.vcf", "alice/b", "x.vcf", "alice")
    with store.reading() as conn:
        actions = conn.execute(select(history.c.action)).scalars().all()
    assert actions == ["moved"]
    assert store.item(store.collection("alice/b").id, "x.vcf").uid == "x"


def test_both_collections_of_a_move_report_it_to_sync(store):
    store.put_item("alice/a", "x.vcf", card("x", "Moved Person"), "alice")
    token_a, _ = store.sync("alice/a", "")
    token_b, _ = store.sync("alice/b", "")
    store.move_item("alice/a", "x.vcf", "alice/b", "y.vcf", "alice")
    assert store.sync("alice/a", token_a)[1] == ["x.vcf"]
    assert store.sync("alice/b", token_b)[1] == ["y.vcf"]


def test_replacing_a_collection_invalidates_its_old_tokens(store):
    store.put_item("alice/a", "x.vcf", card("x", "Someone"), "alice")
    token, _ = store.sync("alice/a", "")
    store.replace_collection("alice/a", {"tag": "VADDRESSBOOK"}, [("y.vcf", card("y", "New"))],
                             "alice")
    with pytest.raises(sync.InvalidSyncToken):
        store.sync("alice/a", token)


def test_the_change_log_is_pruned_and_older_tokens_expire(store, monkeypatch):
    monkeypatch.setattr(sync, "PRUNE_EVERY", 2)
    store.token_days = 0
    store.put_item("alice/a", "x.vcf", card("x", "One"), "alice")
    old_token, _ = store.sync("alice/a", "")
    store.put_item("alice/a", "x.vcf", card("x", "Two"), "alice")
    store.put_item("alice/a", "x.vcf", card("x", "Three"), "alice")
    store.put_item("alice/a", "x.vcf", card("x", "Four"), "alice")
    with pytest.raises(sync.InvalidSyncToken, match="expired"):
        store.sync("alice/a", old_token)


def test_deleting_a_collection_with_items_keeps_them_in_the_trash(store):
    for index in range(3):
        store.put_item("alice/a", f"x{index}.vcf", card(f"x{index}", f"P{index}"), "alice")
    store.delete_collection("alice/a", "alice")
    assert store.collection("alice/a") is None
    with store.reading() as conn:
        actions = conn.execute(select(history.c.action)).scalars().all()
    assert actions.count("deleted") == 3


def test_a_refused_write_in_a_batch_keeps_the_others(store):
    from cms_dav.store.items import UidConflict
    with store.batch(["alice/a"]):
        store.put_item("alice/a", "one.vcf", card("same", "First"), "alice")
        with pytest.raises(UidConflict):
            store.put_item("alice/a", "two.vcf", card("same", "Second"), "alice")
        store.put_item("alice/a", "three.vcf", card("other", "Third"), "alice")
    book = store.collection("alice/a").id
    assert store.item(book, "one.vcf") and store.item(book, "three.vcf")
    assert store.item(book, "two.vcf") is None
    _, hrefs = store.sync("alice/a", "")
    assert sorted(hrefs) == ["one.vcf", "three.vcf"]


def test_a_put_refused_for_a_uid_another_item_has_leaves_the_book_as_it_was(store):
    from cms_dav.store.items import UidConflict
    store.put_item("alice/a", "one.vcf", card("same", "First"), "alice")
    token, _ = store.sync("alice/a", "")
    with pytest.raises(UidConflict):
        store.put_item("alice/a", "two.vcf", card("same", "Second"), "alice")
    assert store.sync("alice/a", "")[0] == token  # no change number taken
    with store.reading() as conn:
        assert conn.execute(select(audit.c.href).where(
            audit.c.action == "item.put")).scalars().all() == ["one.vcf"]
    assert store.item(store.collection("alice/a").id, "two.vcf") is None


def test_a_failure_after_a_write_in_a_transaction_undoes_the_write_and_its_sync_entry(store):
    token, _ = store.sync("alice/a", "")
    with pytest.raises(RuntimeError):
        with store.transaction(["alice/a"]) as conn:
            store.put_item("alice/a", "x.vcf", card("x", "Never Stored"), "alice")
            conn.execute(history.delete().where(history.c.id == -1))  # the caller's own
            raise RuntimeError("the caller's next statement fails")
    assert store.item(store.collection("alice/a").id, "x.vcf") is None
    assert store.sync("alice/a", token)[1] == []


def test_delete_collection_held_every_item_text_at_once(store, monkeypatch):
    """Regression (issue 19, bulk-upload memory): deleting a collection listed every
    item with its text before removing any; it now lists metadata only, and the hooks
    still get each removed item's full record."""
    from cms_dav.store import items as items_module
    for uid in ("x", "y", "z"):
        store.put_item("alice/a", f"{uid}.vcf", card(uid, f"Person {uid}"), "alice")
    stored = {item.href: item.text for item in store.all_items(store.collection("alice/a").id)}
    listed_with_text: list[bool] = []
    real_iter_all = items_module.iter_all

    def spying_iter_all(conn, collection_id, with_text=True):  # type: ignore[no-untyped-def]
        listed_with_text.append(with_text)
        return real_iter_all(conn, collection_id, with_text)

    seen: dict[str, str] = {}

    class Hook:
        def item_deleted(self, conn, collection, old):  # type: ignore[no-untyped-def]
            seen[old.href] = old.text

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return lambda *args, **kwargs: None

    monkeypatch.setattr(items_module, "iter_all", spying_iter_all)
    monkeypatch.setattr(store, "write_hooks", [*store.write_hooks, Hook()])
    store.delete_collection("alice/a", "alice")
    assert listed_with_text == [False]
    assert seen == stored
    assert store.collection("alice/a") is None

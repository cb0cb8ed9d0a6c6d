"""The plain DB-API lookups of a request (:mod:`cms_dav.store.lookups`) answer exactly
what their SQLAlchemy twins answer, and ``Store.confirm_lookup`` hands a PUT the
answers of its lookup before the lock only while the book is stored as it was found
(issue 19, putpath), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from cms_dav.memo import Memo
from cms_dav.store import collections, items, lookups, resolved
from cms_dav.store.records import CollectionRecord, ItemRecord
from cms_dav.store.store import Store
from tests.store.facade_cards import card, store_with_books

PATHS = ["alice", "alice/a", "alice/b", "alice/a/x.vcf", "nobody", "alice/ä ö", "",
         "alice/a/"]


@pytest.fixture
def store(database_url: str) -> Store:
    store = store_with_books(database_url, "a", "b", "ä ö")
    store.set_props("alice/b", {"tag": "VADDRESSBOOK", "D:displayname": "Bé \u2603"},
                    "alice")
    store.put_item("alice/a", "x.vcf", card("x", "Xavier"), "alice")
    store.put_item("alice/a", "y z.vcf", card("y", "Yves \u00e9"), "alice")
    return store


def test_collections_at_answers_as_get_many_for_every_choice_of_up_to_three_paths(
        store: Store) -> None:
    with store.reading() as conn:
        for first in PATHS:
            for second in PATHS:
                for third in (first, "alice/b", "nobody"):
                    wanted = list(dict.fromkeys([first, second, third]))
                    assert lookups.collections_at(conn, wanted) == \
                        collections.get_many(conn, wanted)


def test_collection_at_answers_as_get(store: Store) -> None:
    with store.reading() as conn:
        for path in PATHS:
            assert lookups.collection_at(conn, path) == collections.get(conn, path)


def test_item_at_answers_as_items_get_with_its_text(store: Store) -> None:
    with store.reading() as conn:
        book = collections.get(conn, "alice/a")
        assert book is not None
        for href in ("x.vcf", "y z.vcf", "none.vcf", ""):
            found = lookups.item_at(conn, book.id, href)
            assert found == items.get(conn, book.id, href)
            assert found is None or found.text == items.get_text(conn, book.id, href)


def test_has_uid_answers_as_items_has_uid(store: Store) -> None:
    with store.reading() as conn:
        for path in ("alice/a", "alice/b"):
            book = collections.get(conn, path)
            assert book is not None
            for uid in ("x", "y", "z", ""):
                assert lookups.has_uid(conn, book.id, uid) == \
                    items.has_uid(conn, book.id, uid)


def test_collections_at_refuses_no_path_and_more_than_three(store: Store) -> None:
    with store.reading() as conn:
        for wanted in ([], ["a", "b", "c", "d"]):
            with pytest.raises(ValueError, match="1 to 3 paths"):
                lookups.collections_at(conn, wanted)


def _looked_up(store: Store, path: str) -> tuple[CollectionRecord, ItemRecord | None]:
    """What ``Store.resolve`` found at an item's path: its book and the item there."""
    found = store.resolve(path, Memo())
    if found is None:
        parent = store.resolve(path.rpartition("/")[0], Memo())
        assert isinstance(parent, CollectionRecord)
        return parent, None
    assert isinstance(found, tuple)
    return found


def test_confirm_lookup_of_an_unchanged_book_puts_the_earlier_answers_in_the_memo(
        store: Store) -> None:
    parent, item = _looked_up(store, "alice/a/x.vcf")
    memo = Memo()
    assert store.confirm_lookup(memo, "alice/a/x.vcf", parent, item)
    assert memo.known(resolved.key("alice/a/x.vcf")) == (True, (parent, item))
    assert memo.known(resolved.key("alice/a")) == (True, parent)


def test_confirm_lookup_of_a_new_item_also_answers_whether_the_book_holds_its_uid(
        store: Store) -> None:
    parent, _ = _looked_up(store, "alice/a/new.vcf")
    for uid, held in (("x", True), ("new", False)):
        memo = Memo()
        assert store.confirm_lookup(memo, "alice/a/new.vcf", parent, None, uid)
        assert memo.known(resolved.key("alice/a/new.vcf")) == (True, None)
        assert memo.known(resolved.uid_key(parent.id, uid)) == (True, held)


def test_confirm_lookup_after_another_write_into_the_book_leaves_the_memo_empty(
        store: Store) -> None:
    parent, item = _looked_up(store, "alice/a/x.vcf")
    store.put_item("alice/a", "other.vcf", card("other", "Other"), "alice")
    memo = Memo()
    assert not store.confirm_lookup(memo, "alice/a/x.vcf", parent, item)
    assert memo.known(resolved.key("alice/a/x.vcf")) == (False, None)
    assert memo.known(resolved.key("alice/a")) == (False, None)


def test_confirm_lookup_after_a_property_change_of_the_book_leaves_the_memo_empty(
        store: Store) -> None:
    parent, item = _looked_up(store, "alice/a/x.vcf")
    store.set_props("alice/a", {"tag": "VADDRESSBOOK", "D:displayname": "Renamed"}, "alice")
    memo = Memo()
    assert not store.confirm_lookup(memo, "alice/a/x.vcf", parent, item)
    assert memo.known(resolved.key("alice/a")) == (False, None)

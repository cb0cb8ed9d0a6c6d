"""The duplicates review keeps a book's groups per version of the book: asked again, the
groups are not computed again; after any write to the book they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_dav.store.store import Store
from cms_dav.web.duplicate_cache import DuplicateCache
from tests.contacts.index_support import book, card_data, vcard

PATH = "alice/contacts"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(f"sqlite:///{tmp_path / 'dupes.sqlite3'}")
    opened.replace_collection("alice", {}, [], "admin")
    book(opened, PATH)
    for uid in ("a", "b"):
        text = vcard(uid, "Zofia Nowak", "EMAIL:zofia@example.pl")
        opened.put_item(PATH, f"{uid}.vcf", card_data(text, uid), "alice")
    return opened


def test_the_same_book_version_gets_the_groups_already_found(store: Store) -> None:
    cache = DuplicateCache()
    first = cache.groups(store, PATH)
    assert len(first) == 1
    assert cache.groups(store, PATH) is first


def test_a_write_to_the_book_finds_the_groups_again(store: Store) -> None:
    cache = DuplicateCache()
    first = cache.groups(store, PATH)
    text = vcard("c", "Zofia Nowak", "EMAIL:zofia@example.pl")
    store.put_item(PATH, "c.vcf", card_data(text, "c"), "alice")
    again = cache.groups(store, PATH)
    assert again is not first
    assert len(again[0].members) == 3

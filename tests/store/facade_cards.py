"""Plain vCards and a store with alice's books, for the store facade's own tests."""

from __future__ import annotations

from hashlib import sha256

from cms_dav.store.records import ItemData
from cms_dav.store.store import Store


def card(uid: str, fn: str) -> ItemData:
    """A minimal vCard 3.0 as the store keeps it (ETag: the SHA-256 of its text)."""
    text = f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nEND:VCARD\r\n"
    return ItemData(text=text, uid=uid, etag='"%s"' % sha256(text.encode()).hexdigest(),
                    name="VCARD", component="")


def store_with_books(database_url: str, *books: str) -> Store:
    """A store at ``database_url`` with alice's home and her address books ``books``."""
    store = Store.open(database_url)
    store.ensure_folder("alice", "alice")
    for book in books:
        store.replace_collection(f"alice/{book}", {"tag": "VADDRESSBOOK"}, [], "alice")
    return store

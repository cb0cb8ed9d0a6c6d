"""Test data written straight into a server's database, in one transaction, where
the behaviour under test is not the PUT (1,000 HTTP PUTs, or the search index kept by
the App's write hooks, would take longer than the tests themselves)."""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path
from typing import Iterable

from cms_dav.config import load_settings
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store
from tests.support.dav import vcard


def card_name(number: int) -> str:
    return f"card-{number:05d}.vcf"


def card_data(number: int, version: int) -> ItemData:
    text = vcard(f"uid-{number}", f"Person {number}", f"NOTE:version {version}\r\n")
    return ItemData(text=text, uid=f"uid-{number}", name="VCARD", component="",
                    etag='"%s"' % sha256(text.encode()).hexdigest())


def write_cards(data_dir: Path, book: str, numbers: Iterable[int], version: int = 1,
                deleted: Iterable[int] = ()) -> None:
    """Cards ``numbers`` (their text changes with ``version``) put and ``deleted``
    removed in the address book at store path ``book``, as one change each."""
    store = Store.open(load_settings(data_dir).database_url)
    try:
        with store.batch([book]):
            for number in numbers:
                store.put_item(book, card_name(number), card_data(number, version), "tests",
                               apply_filters=False)
            for number in deleted:
                store.delete_item(book, card_name(number), "tests")
    finally:
        store.engine.dispose()

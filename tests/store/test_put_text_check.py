"""A PUT's write skips the item-text scan its preparation made of the same text, and
only that one (``Store._check_text``)."""

from __future__ import annotations

import dataclasses

import pytest

from cms_dav.config import Limits
from cms_dav.limits.errors import LimitExceeded
from cms_dav.limits import item_text
from cms_dav.store import collections
from cms_dav.store.store import Store
from tests.store.facade_cards import card, store_with_books


@pytest.fixture
def store(database_url: str) -> Store:
    return dataclasses.replace(store_with_books(database_url, "a"),
                               limits=Limits(max_item_lines=6))


def _book(store: Store, path: str = "alice/a") -> collections.CollectionRecord:
    with store.reading() as conn:
        record = collections.get(conn, path)
    assert record is not None
    return record


def _scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = item_text.check_item_text

    def counted(text: str, *args: object, **kwargs: object) -> None:
        seen.append(text)
        original(text, *args, **kwargs)  # type: ignore[arg-type]

    import cms_dav.store.store as store_module
    monkeypatch.setattr(store_module, "check_item_text", counted)
    return seen


def test_a_prepared_put_scans_its_text_once(store, monkeypatch):
    seen = _scans(monkeypatch)
    data = card("x", "Prepared Person")
    store.prepare_put(_book(store), None, "x.vcf", data, "alice")
    store.put_item("alice/a", "x.vcf", data, "alice")
    assert seen == [data.text]
    assert store.item(_book(store).id, "x.vcf") is not None


def test_a_put_of_other_text_than_prepared_is_still_refused_past_the_limits(store):
    small = card("x", "Small Person")
    store.prepare_put(_book(store), None, "x.vcf", small, "alice")
    big = dataclasses.replace(small, text=small.text.replace(
        "END:VCARD", "NOTE:a\r\nNOTE:b\r\nNOTE:c\r\nEND:VCARD"))
    with pytest.raises(LimitExceeded):
        store.put_item("alice/a", "x.vcf", big, "alice")


def test_a_preparation_serves_one_write_only(store, monkeypatch):
    seen = _scans(monkeypatch)
    data = card("x", "Twice Person")
    store.prepare_put(_book(store), None, "x.vcf", data, "alice")
    store.put_item("alice/a", "x.vcf", data, "alice")
    store.put_item("alice/a", "x.vcf", data, "alice")
    assert seen == [data.text, data.text]

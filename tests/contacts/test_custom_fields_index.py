"""The custom field index: kept in the write transaction, typed (issue 14 item 1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from cms_dav.contacts.index_hook import reindex
from cms_dav.store.schema import contact_field_values as values
from tests.contacts.index_support import book, card_data, open_test_store, vcard


def fields_of(store, uid: str) -> dict[str, tuple[str, float | None, date | None]]:  # type: ignore[no-untyped-def]
    from cms_dav.store.schema import items
    with store.reading() as conn:
        ident = conn.execute(select(items.c.id).where(items.c.uid == uid)).scalar()
        found = conn.execute(select(values.c.field, values.c.text, values.c.number,
                                    values.c.day).where(values.c.item_id == ident)).all()
    return {r.field: (r.text, r.number, r.day) for r in found}


def put(store, uid: str, *lines: str) -> None:  # type: ignore[no-untyped-def]
    store.put_item("alice/contacts", f"{uid}.vcf",
                   card_data(vcard(uid, uid, *lines), uid), "alice")


def test_numbers_are_indexed_as_numbers_and_dates_as_dates(
        tmp_path: Path, database_url: str) -> None:
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/contacts")
    put(store, "a", "X-CMS-FIELD:spend;9000", "X-CMS-FIELD:first-order\\;2026-03-01",
        "X-CMS-FIELD:industry;Retail", "X-CMS-FIELD:source;")
    assert fields_of(store, "a") == {
        "spend": ("9000", 9000.0, None),
        "first-order": ("2026-03-01", None, date(2026, 3, 1)),
        "industry": ("Retail", None, None)}
    with store.reading() as conn:
        bigger = conn.execute(select(values.c.text).where(values.c.number > 50000)).all()
    assert bigger == []  # 9,000 < 50,000 as numbers (as text "9000" > "50000")


def test_a_rewrite_replaces_the_rows_and_a_delete_drops_them(
        tmp_path: Path, database_url: str) -> None:
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/contacts")
    put(store, "b", "X-CMS-FIELD:spend;9000")
    store.put_item("alice/contacts", "b.vcf",
                   card_data(vcard("b", "b", "X-CMS-FIELD:spend;60000"), "b"), "alice",
                   apply_filters=False)
    assert fields_of(store, "b") == {"spend": ("60000", 60000.0, None)}
    store.delete_item("alice/contacts", "b.vcf", "alice")
    with store.reading() as conn:
        assert conn.execute(select(values.c.id)).all() == []


def test_reindex_rebuilds_the_field_index(tmp_path: Path, database_url: str) -> None:
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/contacts")
    put(store, "c", "X-CMS-FIELD:spend;12.5")
    with store.writing() as conn:
        conn.execute(values.delete())
    assert reindex(store, "PL") == 1
    assert fields_of(store, "c") == {"spend": ("12.5", 12.5, None)}


def test_reindex_replaces_the_field_rows_a_card_already_has(
        tmp_path: Path, database_url: str) -> None:
    store = open_test_store(tmp_path, database_url)
    book(store, "alice/contacts")
    put(store, "d", "X-CMS-FIELD:spend;7")
    assert reindex(store, "PL") == 1
    with store.reading() as conn:
        assert conn.execute(select(values.c.text)).scalars().all() == ["7"]

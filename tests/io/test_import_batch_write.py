"""``cms-dav import`` writes each batch with ``Store.put_items`` (issue 19 target 5): every
table ends as the row-by-row import (one ``Store.put_item`` per row, then the next row)
leaves it: items, change log, history, index and trigram rows, field values, audit
trail and outbox, with merges, in-file duplicates, refused rows and a webhook."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from cms_dav.io import importer
from cms_dav.io.import_sources import read_source
from cms_dav.io.importer import ImportReport, import_source
from cms_dav.io.stored_items import item_data
from cms_dav.store.records import ItemData, WriteResult
from cms_dav.store.schema import metadata
from cms_dav.store.segment_table import SegmentRecord
from cms_dav.store.store import Store
from cms_dav.webhooks import endpoints
from tests.io.people import generate_people
from tests.io.tables import csv_bytes

BOOK = "alice/contacts"
#: columns that hold the clock or a random value (a segment's fingerprint hashes its
#: source books' random sync epochs), not the write's content
VOLATILE = {"at", "modified_at", "created_at", "refreshed_at", "sync_epoch", "next_at",
            "fingerprint"}
#: sqlite's trigram tables, not in the schema's metadata
TRIGRAMS = ("contact_terms_trgm", "contact_values_trgm")


def _row_by_row(store: Store, path: str, entries: Sequence[tuple[str, ItemData]],
                actor: str) -> list[WriteResult | ValueError]:
    """What the import did before ``put_items``: ``put_item`` for each row."""
    results: list[WriteResult | ValueError] = []
    for href, data in entries:
        try:
            results.append(store.put_item(path, href, data, actor))
        except ValueError as exc:
            results.append(exc)
    return results


def _card(uid: str, fn: str, email: str) -> str:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nN:{fn};;;;\r\n"
            f"EMAIL:{email}\r\nNOTE:typed on the server\r\nEND:VCARD\r\n")


def _csv() -> bytes:
    people = generate_people(60, seed=19)
    # a refused row (no valid e-mail) and rows the file repeats: by e-mail (a merge
    # into a row of this file) and whole (the same content UID)
    people[7] = dataclasses.replace(people[7], emails=[("", "not-an-e-mail")])
    people += [dataclasses.replace(people[3], fn=people[3].fn + " Jr", note="second"),
               people[10], people[7],
               dataclasses.replace(people[0], emails=[("", "stored.1@example.com")])]
    return csv_bytes(people, "utf-8-sig")


def _imported(tmp_path: Path, row_by_row: bool, monkeypatch: pytest.MonkeyPatch
              ) -> tuple[ImportReport, dict[str, list[tuple[Any, ...]]]]:
    with build_app(load_settings(tmp_path / ("rows" if row_by_row else "batch"))) as app:
        _prepare(app)
        with monkeypatch.context() as patch:
            patch.setattr(importer, "BATCH", 7)  # several batches, one merge across two
            if row_by_row:
                patch.setattr(importer, "BATCH", 1)
                patch.setattr(Store, "put_items", _row_by_row)
            source = read_source(_csv(), "csv", filename="people.csv")
            report = import_source(app.store, BOOK, source, actor="alice")
        return report, _tables(app)


def _prepare(app: App) -> None:
    """A book with cards the file matches (by UID and by e-mail), a webhook and a
    segment over the book."""
    app.store.ensure_folder("alice", "admin")
    app.store.replace_collection(BOOK, {"tag": "VADDRESSBOOK"}, [], "admin")
    for number in (1, 2):
        card = _card(f"stored-{number}", f"Stored {number}", f"stored.{number}@example.com")
        app.store.put_item(BOOK, f"stored-{number}.vcf",
                           item_data(card, "VADDRESSBOOK", BOOK), "alice")
    endpoints.add(app.engine, "https://hooks.example.com/x", "secret",
                  ["contact.created", "contact.updated"], "", "alice")
    # a segment over the book, published: each write keeps its copy there
    app.segments.define(SegmentRecord("everyone", "user:alice", (BOOK,), {}), "admin")
    app.segments.bring_home_up_to_date("alice")


def _tables(app: App) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in any order, as content: an item's row id is shown as its
    (collection, href), other surrogate ids (change-log, audit, index, trigram rows,
    outbox events) are left out: a batch writes the segment copies' rows after its own
    items', so those numbers interleave differently while every row is the same."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with app.store.reading() as conn:
        epochs = conn.execute(text("SELECT sync_epoch FROM collections")).scalars().all()
        item_keys = {ident: (cid, href) for ident, cid, href in conn.execute(
            text("SELECT id, collection_id, href FROM items"))}

        def same_epoch(value: Any) -> Any:  # a sync token names its collection's epoch
            if isinstance(value, str):
                for epoch in epochs:
                    value = value.replace(epoch, "EPOCH")
            return value

        def rows(query: Any, item_column: int | None = None) -> list[tuple[Any, ...]]:
            found = []
            for row in conn.execute(query):
                values = list(map(same_epoch, row))
                if item_column is not None:
                    values[item_column] = item_keys.get(values[item_column])
                found.append(tuple(values))
            return sorted(found, key=repr)

        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE
                       and c.name not in ("id", "event_id")]
            names = [c.name for c in columns]
            found[table.name] = rows(select(*columns), names.index("item_id")
                                     if "item_id" in names else None)
        for name in TRIGRAMS:
            found[name] = rows(text(f"SELECT * FROM {name}"))
    return found


@pytest.fixture
def both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        tuple[tuple[ImportReport, dict[str, list[tuple[Any, ...]]]],
              tuple[ImportReport, dict[str, list[tuple[Any, ...]]]]]]:
    yield (_imported(tmp_path, True, monkeypatch), _imported(tmp_path, False, monkeypatch))


def test_a_batch_import_reports_what_the_row_by_row_import_reports(both: Any) -> None:
    (rows_report, _), (batch_report, _) = both
    assert batch_report == rows_report
    assert rows_report.created and rows_report.updated and rows_report.rejected


def test_a_batch_import_leaves_every_table_as_the_row_by_row_import(both: Any) -> None:
    (_, rows_tables), (_, batch_tables) = both
    assert rows_tables["outbox_events"] and rows_tables["contact_terms_trgm"]
    per_book = Counter(row[0] for row in rows_tables["items"])  # by collection id
    assert len(per_book) == 2 and min(per_book.values()) > 2  # the book and the segment
    for name, rows in rows_tables.items():
        assert batch_tables[name] == rows, name

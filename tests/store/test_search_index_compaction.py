"""After a bulk write the trigram tables' segments are merged into one
(``Store.compact_search_index``, FTS5's ``optimize``), so the merges FTS5 would
otherwise run inside later single PUTs' COMMITs are done (issue 19, the PUT tail)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from cms_dav.io import importer
from cms_dav.io.import_sources import Candidate, Source
from cms_dav.io.importer import import_source
from cms_dav.io.stored_items import item_data
from cms_dav.store.fts_tables import TRIGRAM_TABLES

BOOK = "alice/contacts"
TRIGRAMS = tuple(fts for fts, _column in TRIGRAM_TABLES.values())


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    with build_app(load_settings(tmp_path / "var")) as built:
        built.store.ensure_folder("alice", "admin")
        built.store.replace_collection(BOOK, {"tag": "VADDRESSBOOK"}, [], "admin")
        yield built


def _card(number: int) -> str:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:person-{number}\r\nFN:Person {number}\r\n"
            f"N:{number};Person;;;\r\nEMAIL:p{number}@example.com\r\n"
            f"ORG:Firma {number} sp. z o.o.\r\nNOTE:met at fair {number}\r\nEND:VCARD\r\n")


def _segments(app: App) -> dict[str, int]:
    with app.store.reading() as conn:
        return {fts: conn.execute(text(f"SELECT count(DISTINCT segid) FROM {fts}_idx"))
                .scalar_one() for fts in TRIGRAMS}


def _write_in_batches(app: App, batches: int, size: int = 3) -> None:
    for batch in range(batches):
        numbers = range(batch * size, (batch + 1) * size)
        app.store.put_items(BOOK, [(f"p{n}.vcf", item_data(_card(n), "VADDRESSBOOK", BOOK))
                                   for n in numbers], "alice")


def _source(count: int) -> Source:
    return Source("vcf", "VADDRESSBOOK", "",
                  [Candidate(n, "card", text=_card(n)) for n in range(1, count + 1)])


def test_batched_writes_leave_a_segment_per_batch_until_compacted(app: App) -> None:
    _write_in_batches(app, 4)
    assert all(count > 1 for count in _segments(app).values()), _segments(app)
    app.store.compact_search_index()
    assert _segments(app) == {fts: 1 for fts in TRIGRAMS}


def test_compacting_keeps_every_search_answer(app: App) -> None:
    _write_in_batches(app, 4)

    def answers() -> dict[str, list[tuple[object, ...]]]:
        found = {}
        with app.store.reading() as conn:
            for fts, column in TRIGRAM_TABLES.values():
                for query in ("irma", "p1@", "fair 1", "erson 1"):
                    rows = conn.execute(text(  # the trigram tokenizer answers LIKE
                        f"SELECT rowid FROM {fts} WHERE {column} LIKE :q ORDER BY rowid"),
                        {"q": f"%{query}%"}).all()
                    found[f"{fts} {query}"] = [tuple(row) for row in rows]
        return found

    before = answers()
    assert sum(map(len, before.values())) > 10, before  # the queries do find rows
    app.store.compact_search_index()
    assert answers() == before


def test_an_import_of_many_objects_ends_with_one_segment(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH", 2)
    monkeypatch.setattr(importer, "COMPACT_AFTER", 6)
    report = import_source(app.store, BOOK, _source(7), actor="alice")
    assert report.created == 7
    assert _segments(app) == {fts: 1 for fts in TRIGRAMS}


def test_a_small_import_leaves_the_segments_as_written(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH", 2)
    monkeypatch.setattr(importer, "COMPACT_AFTER", 8)
    report = import_source(app.store, BOOK, _source(7), actor="alice")
    assert report.created == 7
    assert all(count > 1 for count in _segments(app).values()), _segments(app)

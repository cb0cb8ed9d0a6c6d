"""What an import's worker makes of a row's text beside its read (issue 19 target 5,
round eight): the ``[limits]`` check it passed (``CardWork.checked``: the store does not
scan the same text again) and the index rows' parts that depend on the card alone
(``CardIndex.parts``: cards columns, sort key, sorted terms), and whether the upload
filter leaves a new card as sent whatever the second (``CardWork.new_unchanged``: it then
skips the history review and the timeline refresh). An import that hands them over
stores exactly what one without them stores, table by table."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bench.data import import_csv
from cms_dav.app import build_app
from cms_dav.config import Limits, load_settings
from cms_dav.contacts import index_store, upload_filter
from cms_dav.contacts.card_work import card_work
from cms_dav.io import importer
from cms_dav.io.import_sources import read_source
from cms_dav.io.importer import ImportReport, import_source
from cms_dav.io.read_ahead import ReadRow, RowReader
from cms_dav.limits.errors import LimitExceeded
from cms_dav.store import store as store_module
from cms_dav.store.store import Store
from cms_dav.io.stored_items import item_data
from tests.io.test_import_batch_write import BOOK, _prepare, _tables
from tests.io.test_written_vcards import hostile_table

Outcome = tuple[ImportReport, dict[str, list[tuple[Any, ...]]], int, int]


def _without_ahead_parts(row: ReadRow | None) -> ReadRow | None:
    """``row`` as the reader made it before round eight: no check carried, no parts,
    no plan made ahead."""
    if row is None or row.work is None:
        return row
    index = row.work.index
    if index is not None:
        index = dataclasses.replace(index, parts=None)
    return dataclasses.replace(row, work=dataclasses.replace(row.work, checked=None,
                                                             index=index,
                                                             new_unchanged=False))


def _imported(folder: Path, data: bytes, webhook: bool, ahead: bool,
              monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """Report, tables, the store's scans of texts and the upload filter's history
    reviews of an import whose rows are read in this process as a worker reads them
    (with or without what it makes ahead)."""
    scans = reviews = 0
    check = store_module.check_item_text

    def counted(*args: Any, **kwargs: Any) -> None:
        nonlocal scans
        scans += 1
        check(*args, **kwargs)

    review = upload_filter.review_upload

    def reviewed(*args: Any, **kwargs: Any) -> Any:
        nonlocal reviews
        reviews += 1
        return review(*args, **kwargs)

    def in_process(reader: RowReader, texts: Sequence[str | None], workers: Any
                   ) -> Iterator[ReadRow | None]:
        for text in texts:
            row = reader.read(text)
            yield row if ahead else _without_ahead_parts(row)

    with build_app(load_settings(folder)) as app:
        if webhook:
            _prepare(app)  # a listening webhook: the batch goes item by item
        else:
            app.store.ensure_folder("alice", "admin")
            app.store.replace_collection(BOOK, {"tag": "VADDRESSBOOK"}, [], "admin")
        with monkeypatch.context() as patch:
            patch.setattr(importer, "BATCH", 40)
            patch.setattr(importer, "read_ahead", in_process)
            patch.setattr(store_module, "check_item_text", counted)
            patch.setattr(upload_filter, "review_upload", reviewed)
            source = read_source(data, "csv", filename="people.csv")
            report = import_source(app.store, BOOK, source, actor="alice")
        return report, _tables(app), scans, reviews


@pytest.mark.parametrize("webhook", [False, True], ids=["grouped", "webhook"])
@pytest.mark.parametrize("name", ["bench", "hostile"])
def test_an_import_with_work_made_ahead_stores_what_one_without_stores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, webhook: bool) -> None:
    data = import_csv(120, 6) if name == "bench" else hostile_table()
    report, tables, scans, reviews = _imported(tmp_path / "ahead", data, webhook, True,
                                               monkeypatch)
    old_report, old_tables, old_scans, old_reviews = _imported(
        tmp_path / "old", data, webhook, False, monkeypatch)
    assert report == old_report
    assert report.created + report.updated > 30
    for table, rows in old_tables.items():
        assert tables[table] == rows, table
    assert tables["contact_cards"] and tables["contact_sorted_terms"]
    assert scans < old_scans  # the rows checked ahead were not scanned again
    if name == "bench":  # (every hostile row has interaction lines: reviewed either way)
        assert reviews < old_reviews  # new cards planned ahead were not reviewed


def test_the_work_made_ahead_carries_the_index_rows_parts() -> None:
    text = next(c.text for c in read_source(import_csv(1, 6), "csv").candidates)
    assert text is not None
    work = card_work(text, "PL", checked=Limits())
    assert work.index is not None and work.index.parts is not None
    fresh = dataclasses.replace(work.index, parts=None)
    assert work.index.parts == index_store.row_parts(fresh)


def _book(url: str, limits: Limits) -> Store:
    store = Store.open(url, limits=limits)
    store.ensure_folder("alice", "admin")
    store.replace_collection(BOOK, {"tag": "VADDRESSBOOK"}, [], "admin")
    return store


CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ann\r\nN:Ann;;;;\r\n"
        "NOTE:" + "n" * 200 + "\r\nEND:VCARD\r\n")


def test_a_text_checked_ahead_against_other_limits_is_checked_again(
        database_url: str) -> None:
    store = _book(database_url, Limits(max_item_bytes=100))
    data = item_data(CARD, "VADDRESSBOOK", BOOK)
    store.offer_ahead(card_work(data.text, "", checked=Limits()))
    [answer] = store.put_items(BOOK, [("u1.vcf", data)], "alice")
    assert isinstance(answer, LimitExceeded)


def test_a_text_checked_ahead_against_the_store_s_limits_is_scanned_once(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    limits = Limits()
    store = _book(database_url, limits)
    scanned: list[str] = []
    check = store_module.check_item_text
    monkeypatch.setattr(store_module, "check_item_text",
                        lambda text, *a, **k: (scanned.append(text), check(text, *a, **k)))
    data = item_data(CARD, "VADDRESSBOOK", BOOK)  # the text as stored (folded)
    store.offer_ahead(card_work(data.text, "", checked=dataclasses.replace(limits)))
    store.put_items(BOOK, [("u1.vcf", data)], "alice")
    assert scanned == []
    store.put_items(BOOK, [("u1.vcf", data)], "alice")
    assert scanned == [data.text]  # taken once: a second write of the text is checked

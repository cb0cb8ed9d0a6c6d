"""``cms-dav import`` reads a contact file's rows in worker processes
(:mod:`cms_dav.io.read_ahead`, issue 19 target 5): the outcome is the import's without
them, table by table, for a CSV and for a vCard file with cards that fail each step."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cms_dav.app import build_app
from cms_dav.config import Limits, load_settings
from cms_dav.io import importer, read_ahead
from cms_dav.io.import_sources import expected_count, read_source
from cms_dav.io.importer import ImportReport, import_source
from cms_dav.io.read_ahead import ReadRow, RowReader
from tests.io.support import run_cli
from tests.io.test_import_batch_write import _csv, _prepare, _tables

Outcome = tuple[ImportReport, dict[str, list[tuple[Any, ...]]]]


def _card(uid: str, fn: str, email: str, extra: str = "") -> str:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nN:{fn};;;;\r\n"
            f"EMAIL:{email}\r\n{extra}END:VCARD\r\n")


def _vcf() -> bytes:
    """Cards the workers read, and cards each step refuses: the [limits] check (a card
    over the size limit), Radicale's parse (no END), its check (a VEVENT in a vCard
    file); a card matching a stored one by UID and one merged into one by e-mail."""
    cards = [_card(f"vcf-{n}", f"Person {n}", f"person.{n}@example.com") for n in range(12)]
    cards[3] = _card("vcf-big", "Big", "big@example.com", "NOTE:y\r\n" * 10_001)
    cards[5] = cards[5].replace("END:VCARD\r\n", "")
    cards[7] = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:vcf-event\r\nFN:E\r\nN:E;;;;\r\n"
                "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCARD\r\n")
    cards.append(_card("stored-1", "Stored One Renamed", "stored.1@example.com"))
    cards.append(_card("vcf-merge", "Another Two", "stored.2@example.com"))
    cards.append(cards[0])  # the same card twice: unchanged
    return "".join(cards).encode()


def _imported(folder: Path, data: bytes, name: str, workers: int,
              monkeypatch: pytest.MonkeyPatch) -> tuple[Outcome, int]:
    """The report and tables of an import; and how many rows the workers read."""
    read_rows = 0
    original = importer.read_ahead

    def counted(*args: Any) -> Iterator[ReadRow | None]:
        nonlocal read_rows
        for row in original(*args):
            read_rows += row is not None
            yield row

    with build_app(load_settings(folder)) as app:
        _prepare(app)
        with monkeypatch.context() as patch:
            patch.setattr(importer, "BATCH", 7)  # several batches
            patch.setattr(read_ahead, "CHUNK", 3)
            patch.setattr(read_ahead, "AHEAD", 9)
            patch.setattr(importer, "read_ahead", counted)
            source = read_source(data, "auto", filename=name)
            report = import_source(app.store, "alice/contacts", source, actor="alice",
                                   workers=workers)
        return (report, _tables(app)), read_rows


@pytest.mark.parametrize("name", ["people.csv", "people.vcf"])
def test_an_import_with_workers_leaves_every_table_as_one_without(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    data = _csv() if name.endswith(".csv") else _vcf()
    (alone_report, alone), none_read = _imported(tmp_path / "alone", data, name, 0,
                                                 monkeypatch)
    (report, tables), read = _imported(tmp_path / "workers", data, name, 2, monkeypatch)
    assert none_read == 0 and read > len(alone_report.rejected)
    assert report == alone_report
    assert alone_report.created and alone_report.updated and alone_report.rejected
    for table, rows in alone.items():
        assert tables[table] == rows, table


@dataclass(frozen=True)
class _DyingReader(RowReader):
    """A worker that dies on its first task (the importer's process reads as usual)."""

    importer: int = field(default_factory=os.getpid)  # made in the importer's process

    def read_many(self, texts: list[str | None]) -> list[ReadRow | None]:
        if os.getpid() != self.importer:
            os._exit(3)
        return super().read_many(texts)


def test_rows_of_a_worker_that_died_are_left_to_the_importer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "CHUNK", 2)
    texts = [_card(f"u{n}", "A", "a@example.com") for n in range(7)]
    reader = _DyingReader(Limits(), "VADDRESSBOOK", "alice/contacts", "")
    rows = list(read_ahead.read_ahead(reader, texts, 1))
    # the first task is a worker's (it died); a later one may have been read by the
    # importer's process while it waited (then it is what the importer reads)
    assert rows[:2] == [None, None]
    for text, row in zip(texts, rows, strict=True):
        mine = reader.read(text)
        assert row is None or (mine is not None and (row.uid, row.keys) == (mine.uid, mine.keys))


def test_a_row_a_worker_read_is_what_the_importer_reads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [_card(f"u{n}", f"N {n}", f"n{n}@example.com") for n in range(3)] + [None]
    reader = RowReader(Limits(), "VADDRESSBOOK", "alice/contacts", "")
    rows = list(read_ahead.read_ahead(reader, texts, 1))
    assert rows[3] is None
    for text, row in zip(texts[:3], rows[:3], strict=True):
        assert row is not None
        mine = reader.read(text)
        assert mine is not None
        assert (row.uid, row.keys) == (mine.uid, mine.keys)
        assert row.data.text == mine.data.text and row.data.etag == mine.data.etag
        assert row.work is not None and mine.work is not None
        assert (row.work.text, row.work.problems, row.work.index) \
            == (mine.work.text, mine.work.problems, mine.work.index)
        # the parse tree served the analysis made with it: it is not sent back
        assert row.data.parsed is None


def test_by_default_a_small_file_is_read_without_workers() -> None:
    assert read_ahead.default_workers(read_ahead.MIN_ROWS - 1) == 0


@pytest.mark.parametrize(("cpus", "workers"), [(1, 0), (2, 1), (3, 2), (16, 4)])
def test_by_default_a_big_file_has_one_worker_less_than_the_cpus_at_most_four(
        monkeypatch: pytest.MonkeyPatch, cpus: int, workers: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)))
    assert read_ahead.default_workers(read_ahead.MIN_ROWS) == workers


@dataclass(frozen=True)
class _SlowWorkerReader(RowReader):
    """A worker that takes a second per task; the importer's process reads at once
    and counts the rows it read."""

    importer: int = field(default_factory=os.getpid)
    read_here: list[int] = field(default_factory=list)

    def read_many(self, texts: list[str | None]) -> list[ReadRow | None]:
        if os.getpid() != self.importer:
            time.sleep(1)
        else:
            self.read_here.append(len(texts))
        return super().read_many(texts)


def test_the_importer_reads_the_tasks_kept_back_while_the_worker_is_busy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "CHUNK", 2)
    monkeypatch.setattr(read_ahead, "QUEUED", 1)
    texts = [_card(f"u{n}", f"N {n}", f"n{n}@example.com") for n in range(8)]
    reader = _SlowWorkerReader(Limits(), "VADDRESSBOOK", "alice/contacts", "")
    rows = list(read_ahead.read_ahead(reader, texts, 1))
    assert sum(reader.read_here) >= 2  # a task the pool was not given
    for text, row in zip(texts, rows, strict=True):
        mine = RowReader(Limits(), "VADDRESSBOOK", "alice/contacts", "").read(text)
        assert row is not None and mine is not None
        assert (row.uid, row.keys) == (mine.uid, mine.keys)


def test_the_importer_reads_a_task_kept_back_a_few_rows_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "CHUNK", 4)
    monkeypatch.setattr(read_ahead, "QUEUED", 1)
    monkeypatch.setattr(read_ahead, "STEAL", 1)
    texts = [_card(f"u{n}", f"N {n}", f"n{n}@example.com") for n in range(12)]
    reader = _SlowWorkerReader(Limits(), "VADDRESSBOOK", "alice/contacts", "")
    rows = list(read_ahead.read_ahead(reader, texts, 1))
    assert reader.read_here and max(reader.read_here) == 1
    assert [row.uid for row in rows if row is not None] == [f"u{n}" for n in range(12)]


def test_the_expected_count_of_a_file_is_at_least_its_rows_before_it_is_read() -> None:
    table = b"name,email\r\nA,a@example.com\r\n\"B\r\nC\",b@example.com\r\n"
    assert expected_count(table, "csv") == 4  # two rows, one cell over two lines
    assert len(read_source(table, "csv").candidates) == 2
    assert expected_count(_vcf(), "vcf") == 15
    assert expected_count(b"BEGIN:VCALENDAR\r\n", "ics") == 0
    assert expected_count(b"PK...", "xlsx") == 0


def test_workers_started_before_the_file_is_read_read_it_and_stay_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "CHUNK", 2)
    texts = [_card(f"u{n}", f"N {n}", f"n{n}@example.com") for n in range(6)]
    reader = RowReader(Limits(), "VADDRESSBOOK", "alice/contacts", "")
    with read_ahead.Workers(1) as started:
        first = list(read_ahead.read_ahead(reader, texts, started))
        assert started.pool is not None  # the caller's to close
        again = list(read_ahead.read_ahead(reader, texts[:2], started))
    assert started.pool is None
    for text, row in zip(texts + texts[:2], first + again, strict=True):
        mine = reader.read(text)
        assert row is not None and mine is not None
        assert (row.uid, row.keys) == (mine.uid, mine.keys)


def _cli_import(folder: Path, data: bytes, *args: str) -> tuple[dict[str, Any], list[Any]]:
    """``cms-dav import`` of ``data`` (a CSV) in-process: its report, and the workers
    it started before reading the file (and how many it then asked the import for)."""
    from cms_dav.cli import importing

    with build_app(load_settings(folder)) as app:
        _prepare(app)
    started: list[Any] = []

    class Spy(read_ahead.Workers):
        def __init__(self, count: int) -> None:
            super().__init__(count)
            started.append(self)

    given: list[Any] = []
    original = importing.import_source

    def spied(*positional: Any, **named: Any) -> ImportReport:
        given.append(named["workers"])
        return original(*positional, **named)

    source = folder / "people.csv"
    source.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importing, "Workers", Spy)
        patch.setattr(importing, "import_source", spied)
        result = run_cli(folder, "import", str(source), "--into", "/alice/contacts/",
                         "--json", *args)
    report = json.loads(result.stdout)
    return report, [(w.count, w.pool, given[0]) for w in started]


def test_an_import_hands_the_workers_it_started_early_to_the_import(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(2)))
    monkeypatch.setattr(read_ahead, "MIN_ROWS", 10)
    data = _csv()
    report, [(count, pool, given)] = _cli_import(tmp_path / "early", data)
    alone, _ = _cli_import(tmp_path / "alone", data, "--workers", "0")
    assert count == 1 and pool is None  # closed when the import was done
    assert isinstance(given, read_ahead.Workers) and given.count == 1
    assert report == alone


def test_a_csv_of_blank_lines_stops_the_workers_its_lines_started(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More lines than :data:`MIN_ROWS` but fewer rows: the workers started for the
    lines are stopped and the rows are read in the importer, as for any small file."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(2)))
    monkeypatch.setattr(read_ahead, "MIN_ROWS", 10)
    data = "name,email\r\nAda,ada@example.com\r\nBo,bo@example.com\r\n".encode() \
        + b",\r\n" * 20
    report, [(count, pool, given)] = _cli_import(tmp_path / "blank", data)
    alone, _ = _cli_import(tmp_path / "alone", data, "--workers", "0")
    assert count == 1 and pool is None and given == 0
    assert report == alone and report["created"] == 2

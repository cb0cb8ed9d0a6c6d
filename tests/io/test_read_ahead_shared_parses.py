"""An import's row read with one parse of each line (issue 19 target 5, round nine): the
worker's record of the row (its UID and match keys) and the write's work on the text
(lint, index analysis) read the lines through one :class:`CardParses`, where each read
them apart before. What the row reads as is what the separate reads gave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.data import import_csv
from cms_dav.contacts import card_work as card_work_module
from cms_dav.contacts import vcard_lines
from cms_dav.contacts.card_work import CardWork
from cms_dav.contacts.vcard_lines import CardParses, card_lines, unfold
from cms_dav.io import contact_record, read_ahead
from cms_dav.io.contact_record import vcard_to_record
from cms_dav.io.read_ahead import ReadRow
from tests.io.test_written_vcards import (FAST, FULL, _assert_same, _csv_texts,
                                          hostile_table)
from tests.io.test_written_vcards import _importer_vobject  # noqa: F401  # autouse: vobject as the importer's

#: texts the record reader treats apart from the card parse: vCard 2.1 with
#: quoted-printable soft breaks and bare types (joined and upgraded lines), a folded
#: line, lower-case names, a group, LF endings, a line that does not parse
ODD = [
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Nowak;Jan\r\nFN:Jan Nowak\r\nTEL;CELL:+48 600 100 200\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Zaż=C3=B3=C5=82=\r\nć g=C4=99=C5=9Bl=\r\n"
    "\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Ann\r\n  Smith\r\nN:Smith;Ann;;;\r\n"
    "email;type=work:ann@example.com\r\nitem1.TEL:+48 22 123 45 67\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\nVERSION:3.0\nUID:u-2\nFN:Bo\nN:;Bo;;;\nCATEGORIES:a,,b\nEND:VCARD\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-3\r\nFN:Cy\r\nthis is no line\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-4\r\nFN:Di\r\nEND:VCARD\r\nBEGIN:VCARD\r\n",
]


def _texts() -> list[str]:
    return (_csv_texts(import_csv(150, 6)) + _csv_texts(hostile_table()) + ODD)


@pytest.fixture
def separate_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reader as before round nine: the record and the work each parse the text."""
    record, work = read_ahead.vcard_to_record, read_ahead.card_work
    with monkeypatch.context() as patch:
        patch.setattr(read_ahead, "vcard_to_record", lambda text, parses=None: record(text))
        patch.setattr(read_ahead, "card_work",
                      lambda *args, parses=None, **kwargs: work(*args[:4], **kwargs))
        yield


def _reads(reader: read_ahead.RowReader) -> list[ReadRow | None]:
    return [reader.read(text) for text in _texts()]


def _same_parses_answers(work: CardWork | None, old: CardWork | None) -> None:
    if work is None or old is None:
        assert work is old
        return
    assert work.new_unchanged == old.new_unchanged and work.checked == old.checked
    assert (work.index.parts if work.index else None) == \
        (old.index.parts if old.index else None)
    try:
        expected: Any = card_lines(work.text, old.parses)
    except ValueError as exc:
        expected = str(exc)
    try:
        got: Any = card_lines(work.text, work.parses)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize("shortcut", [True, False], ids=["shortcut", "full"])
def test_a_row_read_with_one_parse_reads_as_with_separate_ones(
        shortcut: bool, request: pytest.FixtureRequest) -> None:
    reader = FAST if shortcut else FULL
    shared = _reads(reader)
    request.getfixturevalue("separate_reads")
    separate = _reads(reader)
    assert len(shared) == len(separate) > 150
    assert sum(row is not None for row in shared) > 150
    for text, row, old in zip(_texts(), shared, separate, strict=True):
        try:
            _assert_same(row, old)
            if row is not None and old is not None:
                _same_parses_answers(row.work, old.work)
        except AssertionError as exc:
            raise AssertionError(f"{text!r}: {exc}") from exc


@pytest.mark.parametrize("text", _texts()[:20] + ODD)
def test_a_record_read_through_parses_is_the_record_read_alone(text: str) -> None:
    try:
        alone = vcard_to_record(text)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            vcard_to_record(text, CardParses())
        return
    parses = CardParses()
    assert vcard_to_record(text, parses) == alone
    assert vcard_to_record(text, parses) == alone  # its lines taken from the parses


def test_a_row_s_lines_are_each_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _csv_texts(import_csv(3, 6))[2]
    parsed: list[str] = []
    parse = vcard_lines.parse_line

    def counted(line: str) -> Any:
        parsed.append(line)
        return parse(line)

    monkeypatch.setattr(vcard_lines, "parse_line", counted)
    monkeypatch.setattr(contact_record, "parse_line", counted)
    vcard_lines._parsed_card.cache_clear()
    row = FAST.read(text)
    assert row is not None and row.work is not None and row.work.index is not None
    assert sorted(parsed) == sorted(unfold(text))
    assert len(parsed) > 8


def test_parses_seeded_with_another_text_s_lines_read_a_card_as_alone() -> None:
    first, second = _csv_texts(import_csv(2, 6))
    parses = CardParses()
    vcard_to_record(first, parses)
    assert card_lines(second, parses) == card_lines(second)
    assert card_work_module.card_work(second, "PL", parses=parses).index \
        == card_work_module.card_work(second, "PL").index


def test_an_import_whose_rows_share_one_parse_stores_what_separate_reads_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.io.test_import_work_ahead import _imported

    data = import_csv(120, 6)
    report, tables, _, _ = _imported(tmp_path / "shared", data, False, True, monkeypatch)
    record, work = read_ahead.vcard_to_record, read_ahead.card_work
    monkeypatch.setattr(read_ahead, "vcard_to_record", lambda text, parses=None: record(text))
    monkeypatch.setattr(read_ahead, "card_work",
                        lambda *args, parses=None, **kwargs: work(*args[:4], **kwargs))
    old_report, old_tables, _, _ = _imported(tmp_path / "old", data, False, True,
                                             monkeypatch)
    assert report == old_report and report.created > 100
    for table, rows in old_tables.items():
        assert tables[table] == rows, table

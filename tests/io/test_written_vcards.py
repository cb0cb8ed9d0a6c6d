"""A row in the shape ``record_to_vcard`` writes is read without vobject
(:mod:`cms_dav.io.written_vcards`, issue 19 target 5) into exactly what the full path
(Radicale's parse, check and serialization, ``item_data_as_sent``) makes of it: the
stored text, UID, ETag and the rest of the ItemData, and the write's work (lint
problems, index fields, terms and DAV values). Any text the reader cannot vouch for
goes the full way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
import vobject
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from bench.data import import_csv
from cms_dav.config import Limits
from cms_dav.contacts.index_store import dav_values
from cms_dav.io.contact_record import Address, ContactRecord, record_to_vcard
from cms_dav.io.import_sources import read_source
from cms_dav.io.read_ahead import ReadRow, RowReader
from cms_dav.io.written_vcards import read_written

PATH = "alice/contacts"
FAST = RowReader(Limits(), "VADDRESSBOOK", PATH, "PL")
FULL = RowReader(Limits(), "VADDRESSBOOK", PATH, "PL", shortcut=False)


@pytest.fixture(autouse=True, scope="module")
def _importer_vobject() -> None:
    """vobject as the importer's process and its workers read it (``build_app``)."""
    import cms_dav_plugins.storage  # noqa: F401  # what build_app loads in the importer
    from cms_dav import radicale_compat
    from cms_dav.io import freebusy_ranges, vobject_fold, vobject_text, vobject_values

    vobject_values.install()
    vobject_text.install()
    vobject_fold.install()
    freebusy_ranges.install()
    radicale_compat.replace_content_line_writes()


def assert_same_read(text: str) -> bool:
    """The fast read of ``text`` equals the full path's; True when it took the shortcut."""
    fast, full = FAST.read(text), FULL.read(text)
    try:
        _assert_same(fast, full)
    except AssertionError as exc:
        raise AssertionError(f"{text!r}: {exc}") from exc
    return read_written(text) is not None


def _assert_same(fast: ReadRow | None, full: ReadRow | None) -> None:
    if full is None or fast is None:
        assert fast is full
        return
    assert (fast.uid, fast.keys) == (full.uid, full.keys)
    assert fast.data == full.data  # text, uid, etag, name, component, time range
    assert fast.data.text == full.data.text and fast.data.etag == full.data.etag
    assert (fast.data.parsed is None) == (full.data.parsed is None)
    if full.work is None or fast.work is None:
        assert fast.work is full.work
        return
    assert (fast.work.text, fast.work.region, fast.work.problems) \
        == (full.work.text, full.work.region, full.work.problems)
    assert fast.work.index == full.work.index  # fields, terms, DAV values, birthday


def _csv_texts(data: bytes) -> list[str]:
    return [c.text for c in read_source(data, "csv").candidates if c.text is not None]


def test_every_bench_row_takes_the_shortcut_and_reads_as_the_full_path() -> None:
    texts = _csv_texts(import_csv(300, 6))
    assert len(texts) == 300
    assert all(assert_same_read(text) for text in texts)


HOSTILE = [
    "plain", "", " ", "comma, inside", "semi; colon", "colon: here", "back\\slash",
    "trailing backslash\\", "line\nbreak", "crlf\r\nbreak", "lone\rcr", "tab\tinside",
    "李小龙 中文", "emoji 😀🎉", "Zoë Łukasz Ñandú", '"quoted"', "x" * 300,
    "é" * 80, "中" * 60, " " * 90 + "x", "a" + " " * 200 + "b", "\u3000" * 40,
    "TZID:Europe/Warsaw ", "tzname", "quoted-printable=", "PHOTO;ENCODING=b:data:",
    "ctl\x00char", "ctl\x1fchar", "del\x7fchar", "nel\x85char", "ls\u2028char",
    "BEGIN:VCARD", "END:VCARD", "\\n", "\\,\\;", ";;;;", ",,,", "=", "a=b;c=d",
]


def _records() -> Iterator[ContactRecord]:
    for n, value in enumerate(HOSTILE):
        yield ContactRecord(fn=value, given=value, family=value, org=value, title=value,
                            note=value, url=value, bday=value, categories=[value, "b"])
        yield ContactRecord(fn=f"P {n}", emails=[("work", f"p{n}@example.com"),
                                                 (value, "x@example.com")],
                            phones=[("cell", value), ("", "+48 600 100 200")],
                            addresses=[("home", Address(value, value, "", value, value))],
                            interactions=[value], fields={"shoe": value, value: "v"})
        yield ContactRecord(uid=value or None, fn="U", org=value)
    yield ContactRecord()  # nothing but the UID derived from content
    yield ContactRecord(fn="Only Addr", addresses=[("", Address())])


@pytest.mark.parametrize("record", list(_records()), ids=repr)
def test_hostile_records_read_as_the_full_path(record: ContactRecord) -> None:
    assert_same_read(record_to_vcard(record))


#: odd values of everyday tables, which the shortcut reads when they sit in the text
#: values ``record_to_vcard`` escapes
EVERYDAY_ODD = ["", "comma, inside", "semi; colon", "colon: here", "back\\slash",
                "trailing backslash\\", "line\nbreak", "crlf\r\nbreak", "tab\tinside",
                "李小龙 中文", "emoji 😀🎉", "Zoë Łukasz Ñandú", '"quoted"', "x" * 300,
                "é" * 80, "中" * 60, "BEGIN:VCARD", "\\n", ";;;;", ",,,", "a=b;c=d"]


@pytest.mark.parametrize("value", EVERYDAY_ODD, ids=repr)
def test_everyday_odd_values_take_the_shortcut(value: str) -> None:
    """The shortcut is not a reader that refuses everything odd: escaped separators,
    folding, CJK, emoji and empty fields are its everyday shape."""
    record = ContactRecord(fn=value, given=value, family=value, org=value, title=value,
                           note=value, categories=[value, "b"],
                           emails=[("work", "p@example.com")],
                           phones=[("cell", "+48 600 100 200")],
                           addresses=[("home", Address(value, value, "", value, value))],
                           fields={"shoe": value})
    assert assert_same_read(record_to_vcard(record))


def hostile_table() -> bytes:
    """A CSV with every plain-template column, each row holding a :data:`HOSTILE` value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["name", "given name", "family name", "email", "phone", "mobile", "org",
                     "title", "categories", "note", "birthday", "url", "uid", "address",
                     "interactions"])
    for n, value in enumerate(HOSTILE):
        writer.writerow([value, value, value, f"work: p{n}@example.com ::: q{n}@example.com",
                         "+48 600 100 200", "home: +1 212 555 0100", value, value,
                         f"{value}, b", value, "1990-02-03" if n % 2 else "--05-06", value,
                         value if n % 3 == 0 else "", f"{value}; City; Reg; 00-950; PL",
                         f"{value} ::: second"])
    return out.getvalue().encode("utf-8")


def test_a_table_with_every_column_reads_as_the_full_path() -> None:
    texts = _csv_texts(hostile_table())
    assert len(texts) > len(HOSTILE) // 2
    assert sum(assert_same_read(text) for text in texts) > len(texts) // 2


@pytest.mark.parametrize("text", [
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nN:;;;;\r\nNICKNAME:n\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:u\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\n".replace("\r\n", "\n"),
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nN:;;;;\r\n\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nFN:y\r\nN:;;;;\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nUID:v\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nN:;;;;\r\nEMAIL;TYPE=\"a:b\":e\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN;LANGUAGE=pl:x\r\nN:;;;;\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nitem1.EMAIL:e\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\nBEGIN:VCARD\r\n",
    " BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:x\r\nN:;;;;\r\nEND:VCARD\r\n",
])
def test_texts_outside_the_shape_go_the_full_way(text: str) -> None:
    assert read_written(text) is None
    assert_same_read(text)


def test_the_shortcut_s_values_are_vobjects() -> None:
    """The values the index reads are those of vobject's own parse of the text."""
    record = ContactRecord(fn="Ada, L", given="Ada", family="Lo;ve", org="Acme; R\\D",
                           title="Boss", emails=[("work", "a@b.pl")],
                           phones=[("cell", "+48 600")], categories=["a,b", "c"],
                           addresses=[("home", Address("S 1", "W", "M", "00-1", "PL"))],
                           note="n1\nn2, x", url="http://x")
    text = record_to_vcard(record)
    written = read_written(text)
    assert written is not None
    assert dav_values(text, written.tree) == dav_values(text, vobject.readOne(text))


#: single characters (hostile ones often) and pieces: words Radicale's reader rewrites,
#: runs that fold, line breaks
_PIECE = st.one_of(
    st.sampled_from(list("aZ09 ,;:\\\"'=.-@+\t\n\r") + ["中", "😀", "é", "\u3000", "\x85",
                                                          "\u2028", "\x00", "\x7f"]),
    st.characters(codec="utf-8"),
    st.sampled_from(["TZID", "tzname", "PHOTO", "quoted-printable", "\r\n", "é" * 40,
                     " " * 40, "中" * 30, "x" * 70]))
_TEXT = st.lists(_PIECE, max_size=25).map("".join)
_KIND = st.sampled_from(["", "work", "home,pref", "x-my", "cell", "a:b", 'q"x', "sp ace",
                         "ÜBER"])
_ADDRESS = st.builds(Address, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT)
_RECORD = st.builds(
    ContactRecord, fn=_TEXT, given=_TEXT, family=_TEXT,
    uid=st.one_of(st.none(), _TEXT), org=_TEXT, title=_TEXT,
    emails=st.lists(st.tuples(_KIND, _TEXT), max_size=2),
    phones=st.lists(st.tuples(_KIND, _TEXT), max_size=2),
    addresses=st.lists(st.tuples(_KIND, _ADDRESS), max_size=2),
    categories=st.lists(_TEXT, max_size=3), note=_TEXT, bday=_TEXT, url=_TEXT,
    interactions=st.lists(_TEXT, max_size=2),
    fields=st.dictionaries(_TEXT, _TEXT, max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_RECORD)
def test_any_record_s_vcard_reads_as_the_full_path(record: ContactRecord) -> None:
    try:
        text = record_to_vcard(record)
    except Exception:  # noqa: BLE001 - no import would hold this row
        assume(False)
        raise
    event(f"shortcut taken: {assert_same_read(text)}")


#: values ``record_to_vcard`` writes raw (e-mails, phones, URL, birthday, UID,
#: interactions) as a table's cells hold them: no line break or control code
_RAW = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Zl", "Zp")),
               max_size=40)
#: text values of everyday tables: separators, escapes, line breaks, CJK, emoji, runs
#: that fold; no control code or word Radicale's reader rewrites
_ESCAPED = st.lists(st.one_of(
    st.sampled_from(list("aZ09 ,;:\\\"'=.-@+\t\n\r") + ["中", "😀", "é", "\u3000", "\r\n",
                                                          "é" * 40, "中" * 30, "x" * 70]),
    st.characters(codec="utf-8", exclude_categories=("Cc", "Zl", "Zp"))),
    max_size=25).map("".join)
_TYPE = st.sampled_from(["", "work", "home", "cell", "home,pref", "fax,work", "x-my"])
_EVERYDAY = st.builds(
    ContactRecord, fn=_ESCAPED, given=_ESCAPED, family=_ESCAPED,
    uid=st.one_of(st.none(), _RAW), org=_ESCAPED, title=_ESCAPED,
    emails=st.lists(st.tuples(_TYPE, _RAW), max_size=2),
    phones=st.lists(st.tuples(_TYPE, _RAW), max_size=2),
    addresses=st.lists(st.tuples(_TYPE, st.builds(Address, _ESCAPED, _ESCAPED, _ESCAPED,
                                                  _ESCAPED, _ESCAPED)), max_size=2),
    categories=st.lists(_ESCAPED, max_size=3), note=_ESCAPED, bday=_RAW, url=_RAW,
    interactions=st.lists(_RAW, max_size=2),
    fields=st.dictionaries(_ESCAPED, _ESCAPED, max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EVERYDAY)
def test_any_everyday_record_s_vcard_reads_as_the_full_path(record: ContactRecord) -> None:
    """Records whose raw values hold what table cells hold: most take the shortcut."""
    event(f"shortcut taken: {assert_same_read(record_to_vcard(record))}")

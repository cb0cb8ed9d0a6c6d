"""The addressbook-query values of a card an upload filter edited are read from the
upload's parse plus the edited lines only (issue 19): plain text lines without
parameters without vobject (putpath), others by a parse of just those lines; they equal
those of a parse of the whole edited text; what the shortcut cannot vouch for is left
to that."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest
import vobject

from bench import data
from cms_dav.contacts import index_store
from cms_dav.contacts.index_store import dav_values, edited_dav_values
from cms_dav.contacts.interactions import review_upload
from cms_dav.contacts.timeline_note import TimelineOptions, refresh_note
from cms_dav.contacts.vcard_lines import insert_before_end, rewrite_lines
from cms_dav.store.records import Parsed
from tests.store.corpus_objects import corpus_objects

SENT = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:e-1\r\nFN:Ann\\, Smith\r\nN:Smith;Ann;;;\r\n"
        "item1.NOTE:first\\nline\r\nCATEGORIES:a,b\\,c\r\nEMAIL:Ann@Example.com\r\n"
        "X-CMS-INTERACTION:i-1;call;20261104T100000Z;bob;;called\r\nEND:VCARD\r\n")


def _parsed(text: str) -> Parsed:
    return Parsed(text, vobject.readOne(text))


def test_edited_note_values_equal_a_parse_of_the_edited_card() -> None:
    edited = SENT.replace("item1.NOTE:first\\nline",
                          "item1.NOTE:first\\nline\\n\\n=== block [cms-dav] ===\\n long"
                          "\r\n  folded tail").replace("END:VCARD", "NOTE:another\r\nEND:VCARD")
    values = edited_dav_values(_parsed(SENT), edited)
    assert values is not None
    assert values == dav_values(edited)
    assert ("note", "another") in values


def test_untouched_dav_lines_come_from_the_upload_parse() -> None:
    edited = SENT.replace("i-1;call", "i-1;meeting")
    assert edited_dav_values(_parsed(SENT), edited) == dav_values(edited)


def test_changed_version_or_unnamed_line_is_left_to_a_whole_parse() -> None:
    assert edited_dav_values(_parsed(SENT), SENT.replace("VERSION:3.0", "VERSION:4.0")) is None
    assert edited_dav_values(_parsed(SENT), SENT.replace("END:VCARD", ":x\r\nEND:VCARD")) is None
    qp = SENT.replace("NOTE:", "NOTE;ENCODING=QUOTED-PRINTABLE:")
    assert edited_dav_values(_parsed(SENT), qp) is None


def test_edited_line_vobject_cannot_read_is_left_to_a_whole_parse() -> None:
    broken = SENT.replace("item1.NOTE:first", "NOTE;X=\"open:first")
    assert edited_dav_values(_parsed(SENT), broken) is None or \
        edited_dav_values(_parsed(SENT), broken) == dav_values(broken)


# -- edited plain text lines read without vobject (issue 19, putpath) ----------------

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)
OPTIONS = TimelineOptions(20, "pl")
NOTES = ["plain", "", "a,b", "a\\,b,c", "first\\nsecond\\Nthird", "x\\;y\\\\z\\\"q",
         "unknown \\t escape", "tail\\", "tail\\\\", ",lead", "ünï cödé 😀 \u2028 sep",
         "=== block [cms-dav] ===\\n2026-12-02 call: hi, there"]


def _through_vobject(parsed: Parsed, text: str, monkeypatch: pytest.MonkeyPatch
                     ) -> list[tuple[str, str]] | None:
    """The values as the edited lines' vobject parse gives them (the former path)."""
    with monkeypatch.context() as patched:
        patched.setattr(index_store, "_bare_values", lambda props, after: None)
        return edited_dav_values(parsed, text)


def _check(sent: str, edited: str, monkeypatch: pytest.MonkeyPatch
           ) -> list[tuple[str, str]] | None:
    """The shortcut's values of ``edited``: None, or those of a whole parse and of the
    former path."""
    parsed = _parsed(sent)
    values = edited_dav_values(parsed, edited)
    if values is not None:
        assert values == dav_values(edited)
        assert values == _through_vobject(parsed, edited, monkeypatch)
    return values


def _filtered(sent: str, stored: str | None = None) -> str:
    """``sent`` as the contact upload filter rewrites it (history, timeline block)."""
    reviewed = review_upload(stored, sent, "alice", NOW).text
    return refresh_note(reviewed, "uid-1", OPTIONS, "alice", NOW)[0]


def test_edited_note_lines_of_every_shape_read_as_a_whole_parse_reads_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for note, name in itertools.product(NOTES, ("NOTE", "item1.NOTE", "NOTE;LANGUAGE=pl",
                                                "EMAIL", "TEL;TYPE=cell", "N", "CATEGORIES")):
        line = f"{name}:{note}"
        for edited in (SENT.replace("END:VCARD", f"{line}\r\nEND:VCARD"),
                       SENT.replace("item1.NOTE:first\\nline", line)):
            assert _check(SENT, edited, monkeypatch) is not None, line


def test_a_rewritten_note_without_parameters_is_read_without_vobject(
        monkeypatch: pytest.MonkeyPatch) -> None:
    edited = SENT.replace("item1.NOTE:first\\nline", "item1.NOTE:new\\, text,second")
    expected, parsed = dav_values(edited), _parsed(SENT)
    monkeypatch.setattr(vobject, "readOne", lambda *args, **kwargs: pytest.fail("parsed"))
    assert edited_dav_values(parsed, edited) == expected
    assert ("note", "new, text") in expected


def _note_edits(sent: str) -> list[str]:
    """``sent`` with its NOTE lines edited as the timeline block edits them (a block
    appended to each, each dropped) and with a NOTE line added."""
    block = "\\n\\n=== block [cms-dav] ===\\n2026-12-02 call: hi, there"
    return [rewrite_lines(sent, "NOTE", lambda line, logical: logical + block)[0],
            rewrite_lines(sent, "NOTE", lambda line, logical: None)[0],
            insert_before_end(sent, ["NOTE:" + block])]


def test_corpus_cards_with_edited_notes_read_as_a_whole_parse(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Third-party cards (the upload filter leaves them as sent: no history), their
    NOTE lines edited the way it edits a NOTE."""
    shortcut = 0
    for item in corpus_objects():
        if not item.card:
            continue
        sent = item.body.decode("utf-8", "replace")
        try:
            vobject.readOne(sent)
        except Exception:  # noqa: BLE001 - a card vobject cannot read is not stored
            continue
        for edited in _note_edits(sent):
            if edited != sent and _check(sent, edited, monkeypatch) is not None:
                shortcut += 1
    assert shortcut >= 100


def test_bench_cards_as_the_upload_filter_edits_them_read_as_a_whole_parse(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(40):
        sent = data.make_card(index, 7).decode()
        edited = _filtered(sent)
        assert _check(sent, edited, monkeypatch) is not None
        update = data.make_card(index, 7, revision=1).decode()
        assert _check(update, _filtered(update, edited), monkeypatch) is not None
        assert _check(edited, _filtered(edited, edited), monkeypatch) is not None

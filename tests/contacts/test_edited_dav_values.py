"""The addressbook-query values of a card an upload filter edited are read from the
upload's parse plus a parse of the edited lines only (issue 19), and equal those of a
parse of the whole edited text; what the shortcut cannot vouch for is left to that."""

from __future__ import annotations

import vobject

from cms_dav.contacts.index_store import dav_values, edited_dav_values
from cms_dav.store.records import Parsed

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

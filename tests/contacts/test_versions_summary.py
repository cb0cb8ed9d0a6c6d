"""The one-line summary of what a version changed (cms_dav.contacts.version_diff)."""

from __future__ import annotations

from cms_dav.contacts.version_diff import summarize
from tests.contacts.index_support import vcard

BASE = vcard("u", "Ada Lovelace", "TEL:+44 20 7946 0000", "EMAIL:ada@example.com")


def test_changed_and_added_properties_are_named_in_card_order():
    new = vcard("u", "Ada Lovelace", "TEL:+44 20 7946 0001", "EMAIL:ada@example.com",
                "NOTE:met at the society")
    assert summarize(BASE, new) == "TEL changed, NOTE added"


def test_a_removed_property_is_named():
    assert summarize(BASE, vcard("u", "Ada Lovelace", "TEL:+44 20 7946 0000")) == \
        "EMAIL removed"


def test_a_second_value_of_a_property_counts_as_added():
    new = vcard("u", "Ada Lovelace", "TEL:+44 20 7946 0000", "TEL;TYPE=CELL:+44 7700 900000",
                "EMAIL:ada@example.com")
    assert summarize(BASE, new) == "TEL added"


def test_rev_is_named_only_when_nothing_else_changed():
    old = vcard("u", "Ada", "REV:20260101T000000Z", "NOTE:a")
    assert summarize(old, vcard("u", "Ada", "REV:20260201T000000Z", "NOTE:b")) == \
        "NOTE changed"
    assert summarize(old, vcard("u", "Ada", "REV:20260201T000000Z", "NOTE:a")) == \
        "REV changed"


def test_refolding_and_group_prefixes_are_no_change():
    head, end = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\n", "END:VCARD\r\n"
    old = f"{head}FN:Ada\r\nitem1.EMAIL:ada@example.com\r\n{end}"
    new = f"{head}FN:A\r\n da\r\nitem2.EMAIL:ada@example.com\r\n{end}"
    assert summarize(old, new) == "no property changed"


def test_the_oldest_kept_version_says_so():
    assert summarize(None, BASE) == "oldest kept version"


def test_an_unreadable_line_does_not_stop_the_summary():
    broken = BASE.replace("END:VCARD", "this is not a content line\r\nNOTE:x\r\nEND:VCARD")
    assert summarize(BASE, broken) == "NOTE added"

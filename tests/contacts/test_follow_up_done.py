"""The done mark of a follow-up in the X-CMS-INTERACTION format: backward compatible,
written in place, and never taken away by an upload (cms_dav.contacts.interactions)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from cms_dav.contacts.errors import InteractionError
from cms_dav.contacts.interactions import (Interaction, decode_value, encode_value,
                                           follow_ups, mark_done, mark_open,
                                           merge_preserving_interactions, parse_interactions)

OPEN = "i-1;call;20261120T100000Z;alice;20261201;Send the quote\\, 5% off"
AT = datetime(2026, 12, 3, 10, 15, tzinfo=timezone.utc)


def card(*lines: str, eol: str = "\r\n") -> str:
    body = "".join(f"{line}{eol}" for line in lines)
    return f"BEGIN:VCARD{eol}VERSION:3.0{eol}UID:u1{eol}FN:Anna{eol}{body}END:VCARD{eol}"


def note(**changes) -> Interaction:
    fields = dict(id="i-1", kind="call", at=datetime(2026, 11, 20, 10, tzinfo=timezone.utc),
                  author="alice", follow_up=date(2026, 12, 1), text="x")
    fields.update(changes)
    return Interaction(**fields)


def test_an_old_six_component_entry_reads_as_before_and_is_open():
    found = decode_value(OPEN)
    assert (found.follow_up, found.done, found.text) == (date(2026, 12, 1), None,
                                                         "Send the quote, 5% off")
    assert encode_value(found) == OPEN


def test_the_done_mark_rides_in_the_follow_up_component():
    done = note(done=AT)
    assert encode_value(done) == "i-1;call;20261120T100000Z;alice;20261201/20261203T101500Z;x"
    assert decode_value(encode_value(done)) == done


def test_the_done_mark_reads_through_vobject_style_escaped_separators():
    value = "i-1\\;call\\;20261120T100000Z\\;alice\\;20261201/20261203T101500Z\\;x"
    assert decode_value(value).done == AT


def test_a_bad_done_time_is_a_damaged_entry_naming_it():
    with pytest.raises(InteractionError, match="bad done time"):
        decode_value("i-1;call;20261120T100000Z;alice;20261201/soon;x")


def test_done_without_a_follow_up_is_refused():
    with pytest.raises(InteractionError, match="no follow-up"):
        note(follow_up=None, done=AT)


def test_mark_done_rewrites_only_that_line_folded_in_the_cards_line_ending():
    other = "X-CMS-INTERACTION:i-2;email;20261121T080000Z;bob;20261205;y"
    text = card("NOTE:keep me", f"X-CMS-INTERACTION:{OPEN}", other, eol="\n")
    marked, done = mark_done(text, "i-1", AT)
    assert done.done == AT
    expected = card("NOTE:keep me", "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;"
                    "20261201/20261203T101500Z;Send the quote\\, 5% off", other, eol="\n")
    assert marked.replace("\n ", "") == expected


@pytest.mark.parametrize("line, message", [
    ("X-CMS-INTERACTION:i-2;email;20261121T080000Z;bob;;y", "no follow-up date"),
    ("X-CMS-INTERACTION:i-9;email;20261121T080000Z;bob;20261201;y", "no interaction with id"),
    ("X-CMS-INTERACTION:i-2;email;20261121T080000Z;bob;20261201/20261202T000000Z;y",
     "done already"),
])
def test_mark_done_refuses_what_cannot_be_done(line, message):
    with pytest.raises(InteractionError, match=message):
        mark_done(card(line), "i-2", AT)


def test_an_upload_of_a_copy_from_before_the_mark_keeps_the_mark():
    stored, _ = mark_done(card(f"X-CMS-INTERACTION:{OPEN}"), "i-1", AT)
    stale = card("EMAIL:new@example.com", f"X-CMS-INTERACTION:{OPEN}")
    merged, changed = merge_preserving_interactions(stored, stale)
    assert changed
    (entry,) = parse_interactions(merged)
    assert entry.done == AT
    assert "EMAIL:new@example.com" in merged


def test_an_upload_without_the_interactions_gets_the_done_entry_back():
    stored, _ = mark_done(card(f"X-CMS-INTERACTION:{OPEN}"), "i-1", AT)
    merged, changed = merge_preserving_interactions(stored, card("EMAIL:new@example.com"))
    assert changed and parse_interactions(merged)[0].done == AT


def test_an_upload_that_keeps_the_mark_is_stored_unchanged():
    stored, _ = mark_done(card(f"X-CMS-INTERACTION:{OPEN}"), "i-1", AT)
    assert merge_preserving_interactions(stored, stored) == (stored, False)


def test_follow_ups_open_done_and_superseded():
    first = note(id="i-1")
    plain = note(id="i-2", at=datetime(2026, 11, 21, tzinfo=timezone.utc), follow_up=None)
    later = note(id="i-3", at=datetime(2026, 11, 25, tzinfo=timezone.utc),
                 follow_up=date(2026, 12, 15))
    done = note(id="i-4", at=datetime(2026, 11, 26, tzinfo=timezone.utc), done=AT)
    states = {f.interaction.id: (f.closed, f.superseded_by)
              for f in follow_ups([later, first, plain, done])}
    assert states == {"i-1": (later.at, "i-3"), "i-3": (done.at, "i-4"), "i-4": (AT, None)}


def test_the_newest_follow_up_stays_open():
    (only,) = follow_ups([note()])
    assert only.is_open


def test_mark_open_takes_the_mark_away_and_nothing_else():
    text = card(f"X-CMS-INTERACTION:{OPEN}")
    marked, _ = mark_done(text, "i-1", AT)
    reopened, entry = mark_open(marked, "i-1")
    assert entry.done is None
    assert reopened.replace("\r\n ", "") == text

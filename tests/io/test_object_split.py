"""io/object_split: a multi-object text cut into per-object texts on physical lines,
each line byte for byte (folding kept), CRLF line ends."""

from __future__ import annotations

import pytest

from cms_dav.io.object_split import SplitError, split_calendar_texts, split_vcard_texts
from tests.support.lossless_samples import (BERLIN, CARDS, LISTS_CALENDAR,
                                            RDATE_EXDATE_EVENT, crlf, event_calendar)

PLAIN = ["BEGIN:VEVENT", "UID:plain", "DTSTAMP:20260101T000000Z",
         "DTSTART:20260301T100000Z", "END:VEVENT"]


def test_each_card_is_its_own_lines():
    cards = split_vcard_texts("".join(CARDS.values()))
    assert [c.raw for c in cards] == [crlf(t) for t in CARDS.values()]


def test_folded_lines_stay_folded():
    (card,) = split_vcard_texts(CARDS["folded"])
    assert "NOTE:a long note that the client folded at a\r\n  place of" in card.raw


def test_bare_lf_and_blank_lines_become_crlf_lines_without_blanks():
    text = CARDS["comma"].replace("\r\n", "\n").replace("FN:", "\nFN:")
    (card,) = split_vcard_texts(text)
    assert card.raw == crlf(CARDS["comma"])


def test_a_calendar_object_is_the_wrapper_its_timezones_and_its_components():
    objects = split_calendar_texts(event_calendar([BERLIN, RDATE_EXDATE_EVENT, PLAIN]))
    assert [o.uid for o in objects] == ["lists", "plain"]
    assert objects[0].text == crlf(LISTS_CALENDAR)
    assert objects[1].text == crlf(event_calendar([PLAIN]))


def test_components_of_one_uid_stay_together_in_file_order():
    override = ["BEGIN:VEVENT", "UID:lists", "RECURRENCE-ID;TZID=Europe/Berlin:"
                "20260302T100000", "DTSTAMP:20260101T000000Z",
                "DTSTART;TZID=Europe/Berlin:20260302T120000", "END:VEVENT"]
    (only,) = split_calendar_texts(event_calendar([BERLIN, override, RDATE_EXDATE_EVENT]))
    assert only.text == crlf(event_calendar([BERLIN, override, RDATE_EXDATE_EVENT]))


def test_method_is_left_out_of_a_stored_object():
    (only,) = split_calendar_texts(event_calendar([PLAIN], extra=["METHOD:PUBLISH"]))
    assert "METHOD" not in only.text  # RFC 4791 §4.1


def test_a_missing_timezone_is_named():
    (only,) = split_calendar_texts(event_calendar([RDATE_EXDATE_EVENT]))
    assert only.missing_tzids == ["Europe/Berlin"]


def test_a_uid_given_by_the_caller_is_inserted_after_begin():
    no_uid = [line for line in PLAIN if not line.startswith("UID:")]
    (only,) = split_calendar_texts(event_calendar([no_uid]), uid_of={0: "given"})
    assert only.uid == "given"
    assert "BEGIN:VEVENT\r\nUID:given\r\nDTSTAMP:" in only.text


def test_an_unbalanced_text_names_the_line():
    with pytest.raises(SplitError, match="line 3"):
        split_calendar_texts("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\n")

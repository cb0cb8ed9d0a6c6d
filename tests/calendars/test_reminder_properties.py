"""Property-based checks of the reminder generators: one occurrence a year whatever the
date, the right age, and no exception whatever a card holds."""

from __future__ import annotations

import calendar as gregorian
import re
from datetime import date, datetime, timezone

import icalendar
import recurring_ical_events
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from cms_dav.calendars.birthday_events import BirthdayOptions, birthday_items
from cms_dav.calendars.follow_up_todos import FollowUpOptions, follow_up_items
from cms_dav.contacts.anniversaries import dates_of
from cms_dav.io.object_check import check_object
from cms_dav.contacts.interactions import (Interaction, add_interaction,
                                           merge_preserving_interactions, parse_interactions)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SETTINGS = settings(max_examples=60, deadline=None)
MONTH_DAYS = st.integers(1, 12).flatmap(
    lambda m: st.tuples(st.just(m), st.integers(1, 29 if m == 2 else gregorian.monthrange(
        2001, m)[1])))


def card(*lines: str) -> str:
    body = "".join(f"{line}\r\n" for line in lines)
    return f"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:u\r\nFN:Anna\r\n{body}END:VCARD\r\n"


@SETTINGS
@given(MONTH_DAYS, st.one_of(st.none(), st.integers(1900, 2030)),
       st.sampled_from(["feb28", "mar1"]), st.integers(2000, 2100))
def test_every_year_has_exactly_one_occurrence_with_the_right_age(month_day, year, feb29,
                                                                  today_year):
    month, day = month_day
    if year is not None and (month, day) == (2, 29) and not gregorian.isleap(year):
        year -= year % 4  # the leap year at or before it (1900 is none: 1896)
        if not gregorian.isleap(year):
            year -= 4
    value = f"{year:04d}{month:02d}{day:02d}" if year else f"--{month:02d}{day:02d}"
    options = BirthdayOptions(today=date(today_year, 7, 1), feb29=feb29)
    (text,) = birthday_items(card(f"BDAY:{value}"), "k", options).values()
    cal = icalendar.Calendar.from_ical(text)
    for check in range(today_year - 1, today_year + 3):
        if year is not None and check < year:
            continue
        found = recurring_ical_events.of(cal).between(date(check, 1, 1), date(check + 1, 1, 1))
        assert len(found) == 1, (value, feb29, check)
        summary = str(found[0]["SUMMARY"])
        if year is not None and check > year:
            assert summary.endswith(f"({check - year})"), summary
        else:
            assert "(" not in summary


LINE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
#: a valid date, then a property with any value (names, labels, notes) a client may send
NAMES = st.sampled_from(["BDAY", "BDAY:--0612\r\nFN", "BDAY:19800612\r\nN",
                         "BDAY:--0612\r\nitem1.X-ABDATE:--0101\r\nitem1.X-ABLABEL",
                         "X-CMS-INTERACTION:i-1;call;20261120T100000Z;a;20261201;",
                         "ANNIVERSARY", "X-ANNIVERSARY", "item1.X-ABDATE", "item1.X-ABLABEL",
                         "FN", "N", "X-CMS-INTERACTION",
                         "BDAY;X-APPLE-OMIT-YEAR=1604", "BDAY;VALUE=text"])


@SETTINGS
@given(st.lists(st.tuples(NAMES, LINE), max_size=8), st.lists(LINE, max_size=3))
def test_no_card_content_makes_the_generators_raise_or_write_a_bad_object(properties, junk):
    text = card(*(f"{name}:{value}" for name, value in properties), *junk)
    dates_of(text)
    items = {**birthday_items(text, "k", BirthdayOptions(today=date(2027, 1, 1))),
             **follow_up_items(text, "k", FollowUpOptions())}
    for item in items.values():
        assert check_object(item, "VCALENDAR") == []
        assert not CONTROL.search(item)  # RFC 5545 §3.1: no CTLs but HTAB (and CRLF)


@SETTINGS
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 1, 1)),
       st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.just(timezone.utc)))
def test_the_done_mark_survives_vobject_rewriting_the_card(follow_up, done):
    entry = Interaction(id="i-1", kind="call", at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                        author="alice", follow_up=follow_up, text="a; b, c", done=done)
    stored = add_interaction(card(), entry)
    rewritten = vobject.readOne(stored).serialize()
    merged, _ = merge_preserving_interactions(stored, rewritten)
    (back,) = parse_interactions(merged)
    assert (back.follow_up, back.done) == (follow_up, done.replace(microsecond=0))

"""When a yearly date next falls, as the report lists it (pure)."""

from __future__ import annotations

from datetime import date

from cms_dav.contacts.anniversaries import DateOfYear
from cms_dav.reports.upcoming import next_occurrence


def test_a_feb_29_birthday_falls_on_feb_28_in_a_common_year():
    leap_day = DateOfYear(kind="birthday", label=None, month=2, day=29, year=1992)
    assert next_occurrence(leap_day, date(2027, 2, 1)) == date(2027, 2, 28)


def test_a_date_already_past_this_year_falls_next_year():
    spring = DateOfYear(kind="birthday", label=None, month=3, day=1, year=None)
    assert next_occurrence(spring, date(2026, 12, 20)) == date(2027, 3, 1)


def test_a_date_today_is_due_today():
    today = DateOfYear(kind="anniversary", label=None, month=12, day=1, year=2000)
    assert next_occurrence(today, date(2026, 12, 1)) == date(2026, 12, 1)


def test_a_feb_29_birthday_falls_on_feb_29_in_a_leap_year():
    leap_day = DateOfYear(kind="birthday", label=None, month=2, day=29, year=1992)
    assert next_occurrence(leap_day, date(2028, 2, 1)) == date(2028, 2, 29)


def test_a_feb_29_birthday_follows_the_calendars_mar1_option_in_the_report():
    """The report used Feb 28 even where ``[birthdays] feb29 = mar1`` put the calendar's
    event on Mar 1: the two now agree."""
    leap_day = DateOfYear(kind="birthday", label=None, month=2, day=29, year=1992)
    assert next_occurrence(leap_day, date(2027, 2, 1), "mar1") == date(2027, 3, 1)

"""The dashboard's week of birthdays: a Feb 29 birthday falls on Feb 28 in common
years, as in the birthday calendar (RFC 5545 §3.3.10)."""

from __future__ import annotations

from datetime import date

from cms_dav.contacts.dashboard import _days_of_week


def test_a_feb_29_birthday_falls_on_feb_28_in_a_common_year() -> None:
    assert _days_of_week(date(2027, 2, 25))[229] == date(2027, 2, 28)


def test_a_feb_29_birthday_falls_on_feb_29_in_a_leap_year() -> None:
    assert _days_of_week(date(2028, 2, 25))[229] == date(2028, 2, 29)


def test_the_week_is_seven_days_from_today() -> None:
    days = _days_of_week(date(2026, 12, 28))
    assert sorted(days.values()) == [date(2026, 12, 28 + n) for n in range(4)] + [
        date(2027, 1, n) for n in range(1, 4)]

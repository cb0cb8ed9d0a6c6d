"""Birthdays and anniversaries in the next N days (today included).

The dates come from :func:`cms_dav.contacts.anniversaries.dates_of` (BDAY, ANNIVERSARY,
X-ANNIVERSARY, Apple's X-ABDATE, year-less forms) and fall on the day
:func:`cms_dav.calendars.birthday_events.occurrence` says, so the report and the
birthday calendar agree, Feb 29 included: in common years it falls where
``[birthdays] feb29`` says, by default Feb 28 (as iOS and Google Calendar show it: still
in February, and before the day rather than after it).
"""

from __future__ import annotations

from datetime import date, timedelta

from cms_dav.calendars.birthday_events import occurrence
from cms_dav.contacts.anniversaries import DateOfYear, dates_of
from cms_dav.reports.cards import StoredCard
from cms_dav.reports.model import Section
from cms_dav.reports.tally import Smallest

FEB29 = "feb28"
Row = tuple[str, str, str, str, str, str]


def next_occurrence(entry: DateOfYear, today: date, feb29: str = FEB29) -> date:
    """The first day on or after ``today`` that ``entry`` falls on."""
    this_year = occurrence(entry, today.year, feb29)
    return this_year if this_year >= today else occurrence(entry, today.year + 1, feb29)


class Upcoming:
    def __init__(self, today: date, ahead: int, limit: int, feb29: str = FEB29) -> None:
        self.today = today
        self.feb29 = feb29
        self.ahead = ahead
        self.last = today + timedelta(days=ahead)
        self.found: Smallest[Row] = Smallest(limit)

    def add(self, card: StoredCard) -> None:
        if card.fields is None or card.is_group:
            return
        for entry in dates_of(card.text):
            day = next_occurrence(entry, self.today, self.feb29)
            if day > self.last:
                continue
            years = str(day.year - entry.year) if entry.year is not None else ""
            what = entry.label or entry.kind
            self.found.offer((day.isoformat(), card.name, what),
                             (day.isoformat(), card.name, card.book, what, years,
                              f"{entry.month:02d}-{entry.day:02d}"))

    def sections(self) -> list[Section]:
        return [Section("birthdays_due", f"Birthdays and anniversaries in the next {self.ahead} "
                        "days", ("date", "name", "address_book", "kind", "years", "month_day"),
                        self.found.sorted(), total=self.found.total,
                        note=f"{self.today.isoformat()} to {self.last.isoformat()}; years is "
                             "empty where the year is not known")]

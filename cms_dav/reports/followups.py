"""Follow-ups due soon: open follow-ups whose date falls in the next N days (today
included), and the overdue ones. Open or closed (marked done, or superseded by a later
interaction with a follow-up of its own) is :func:`cms_dav.contacts.interactions.follow_ups`'
answer, the one the follow-ups calendar uses."""

from __future__ import annotations

from datetime import date, timedelta

from cms_dav.contacts.interactions import follow_ups
from cms_dav.reports.cards import StoredCard
from cms_dav.reports.model import Section
from cms_dav.reports.tally import Smallest

Row = tuple[str, str, str, str, str, str]


class FollowUps:
    def __init__(self, today: date, ahead: int, limit: int) -> None:
        self.today = today
        self.ahead = ahead
        self.last = today + timedelta(days=ahead)
        self.due: Smallest[Row] = Smallest(limit)
        self.overdue: Smallest[Row] = Smallest(limit)

    def add(self, card: StoredCard) -> None:
        fields = card.fields
        if fields is None:
            return
        for follow_up in follow_ups(fields.interactions):
            note, day = follow_up.interaction, follow_up.interaction.follow_up
            if day is None or day > self.last or not follow_up.is_open:
                continue
            row = (day.isoformat(), card.name, card.book, note.kind, note.author, note.text)
            target = self.due if day >= self.today else self.overdue
            target.offer((day.isoformat(), card.name, note.id), row)

    def sections(self) -> list[Section]:
        columns = ("due", "name", "address_book", "type", "author", "note")
        return [
            Section("follow_ups_due", f"Follow-ups due in the next {self.ahead} days", columns,
                    self.due.sorted(), total=self.due.total,
                    note=f"{self.today.isoformat()} to {self.last.isoformat()}"),
            Section("follow_ups_overdue", "Follow-ups overdue", columns, self.overdue.sorted(),
                    total=self.overdue.total, note=f"due before {self.today.isoformat()}"),
        ]


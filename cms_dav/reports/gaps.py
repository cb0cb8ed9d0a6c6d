"""People without a phone number or without an e-mail address (lists, bounded)."""

from __future__ import annotations

from cms_dav.reports.cards import StoredCard
from cms_dav.reports.model import Section
from cms_dav.reports.tally import Smallest


class Gaps:
    def __init__(self, limit: int) -> None:
        self.no_phone: Smallest[tuple[str, str, str]] = Smallest(limit)
        self.no_email: Smallest[tuple[str, str, str]] = Smallest(limit)

    def add(self, card: StoredCard) -> None:
        fields = card.fields
        if fields is None or fields.is_group:
            return
        if not any(p.strip() for p in fields.phones):
            self.no_phone.offer((card.name, card.book, card.href),
                                (card.name, card.book, ", ".join(fields.emails)))
        if not any(e.strip() for e in fields.emails):
            self.no_email.offer((card.name, card.book, card.href),
                                (card.name, card.book, ", ".join(fields.phones)))

    def sections(self) -> list[Section]:
        return [
            Section("no_phone", "Contacts without a phone number",
                    ("name", "address_book", "emails"), self.no_phone.sorted(),
                    total=self.no_phone.total),
            Section("no_email", "Contacts without an e-mail address",
                    ("name", "address_book", "phones"), self.no_email.sorted(),
                    total=self.no_email.total),
        ]

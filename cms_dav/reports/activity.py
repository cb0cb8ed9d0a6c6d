"""Interactions per type and per author per month, and who was not contacted lately.

Interactions are read only through :mod:`cms_dav.contacts.interactions` (via the
card's :class:`~cms_dav.contacts.card_fields.CardFields`, which uses its reader);
damaged entries are left out here and counted by the data-quality section.
Months are UTC calendar months of the interaction time.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from cms_dav.contacts.interactions import KINDS, last_contacted
from cms_dav.reports.cards import StoredCard
from cms_dav.reports.counts import month_of, months_between
from cms_dav.reports.model import Section
from cms_dav.reports.tally import Smallest, top_rows


class Activity:
    def __init__(self, today: date, days: int, limit: int) -> None:
        self.days = days
        self.limit = limit
        self.cutoff = datetime.combine(today - timedelta(days=days), time(), timezone.utc)
        self.today = today
        self.by_type: Counter[str] = Counter()
        self.by_month: Counter[str] = Counter()
        self.by_type_month: Counter[tuple[str, str]] = Counter()
        self.by_author_month: Counter[tuple[str, str]] = Counter()
        self.stale: Smallest[tuple[str, str, str, str]] = Smallest(limit)

    def add(self, card: StoredCard) -> None:
        fields = card.fields
        if fields is None or fields.is_group:
            return
        for note in fields.interactions:
            month = month_of(note.when.date())  # when it happened (a claim, else recorded)
            self.by_type[note.kind] += 1
            self.by_month[month] += 1
            self.by_type_month[(month, note.kind)] += 1
            self.by_author_month[(month, note.author)] += 1
        last = last_contacted(fields.interactions)
        if last is None or last < self.cutoff:
            shown = last.strftime("%Y-%m-%d") if last else "never"
            days = str((self.today - last.date()).days) if last else ""
            # never contacted first, then the longest ago
            self.stale.offer((0 if last is None else 1, shown, card.name),
                             (card.name, card.book, shown, days))

    def sections(self) -> list[Section]:
        kinds = [(k, self.by_type[k]) for k in KINDS]
        months = (months_between(min(self.by_month), max(self.by_month))
                  if self.by_month else [])
        return [
            Section("interactions_by_type", "Interactions by type", ("type", "interactions"),
                    list(kinds), chart="bar"),
            Section("interactions_per_month", "Interactions per month (UTC)",
                    ("month", "interactions"), [(m, self.by_month[m]) for m in months],
                    chart="line", note="every month from the first to the last, at most the "
                                       "newest 240"),
            Section("interactions_by_type_per_month", "Interactions by type per month",
                    ("month", "type", "interactions"),
                    [(m, k, n) for (m, k), n in sorted(self.by_type_month.items())]),
            Section("interactions_by_author_per_month", "Interactions by author per month",
                    ("month", "author", "interactions"),
                    [(m, a, n) for (m, a), n in sorted(self.by_author_month.items())]),
            Section("interactions_by_author", "Interactions by author", ("author", "interactions"),
                    top_rows(_authors(self.by_author_month), self.limit), chart="bar"),
            Section("not_contacted", f"Not contacted in {self.days} days",
                    ("name", "address_book", "last_contacted", "days_ago"),
                    list(self.stale.sorted()), total=self.stale.total,
                    note=f"no interaction since {self.cutoff.date().isoformat()}; "
                         "never contacted first"),
        ]


def _authors(by_author_month: Counter[tuple[str, str]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for (_month, author), count in by_author_month.items():
        totals[author] += count
    return totals

"""Counts by category, organisation, city and country, and contacts added per month.

People only: group cards (vCard 4 ``KIND:group`` / Apple's group cards) describe
membership, they are not contacts. A person is counted once under each distinct
value they carry (two categories: counted in both), and under "(none)" when they
carry none. Values are compared as written (trimmed), as search lists them.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from cms_dav.reports.cards import StoredCard
from cms_dav.reports.model import Section
from cms_dav.reports.tally import NONE_LABEL, distinct, top_rows

_FACETS = (("by_category", "Contacts by category", "category"),
           ("by_organisation", "Contacts by organisation", "organisation"),
           ("by_city", "Contacts by city", "city"),
           ("by_country", "Contacts by country", "country"))
#: a line chart of more months than this shows only the newest ones
MAX_MONTHS = 240


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: str, last: str, most: int = MAX_MONTHS) -> list[str]:
    """Every "YYYY-MM" from ``first`` to ``last`` inclusive (gaps become zero rows), at
    most the newest ``most`` of them (a note dated in the year 1000 draws no 12,000 points)."""
    end_year, end_month = map(int, last.split("-"))
    index = end_year * 12 + end_month - 1
    first_year, first_month = map(int, first.split("-"))
    start = max(first_year * 12 + first_month - 1, index - most + 1)
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(start, index + 1)]


class Counts:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.people = 0
        self.groups = 0
        self.unreadable = 0
        self.facets: dict[str, Counter[str]] = {key: Counter() for key, _t, _c in _FACETS}
        self.added: Counter[str] = Counter()

    def add(self, card: StoredCard) -> None:
        fields = card.fields
        if fields is None or fields.is_group:
            self.unreadable += fields is None
            self.groups += fields is not None
            return
        self.people += 1
        values = {"by_category": fields.categories, "by_organisation": fields.orgs,
                  "by_city": fields.cities, "by_country": fields.countries}
        for key, found in values.items():
            self.facets[key].update(distinct(found) or {NONE_LABEL})
        self.added[month_of(card.created.date())] += 1

    def sections(self) -> list[Section]:
        found = []
        for key, title, column in _FACETS:
            counter = self.facets[key]
            found.append(Section(key, title, (column, "contacts"), top_rows(counter, self.limit),
                                 chart="bar", total=len(counter),
                                 note="a contact counts once under each of its values"))
        months = months_between(min(self.added), max(self.added)) if self.added else []
        found.append(Section("added_per_month", "Contacts added per month (UTC)",
                             ("month", "contacts"), [(m, self.added[m]) for m in months],
                             chart="line",
                             note="creation: the audit entry that created the card, else its "
                                  "oldest kept version, else its last change; at most the "
                                  "newest 240 months"))
        return found

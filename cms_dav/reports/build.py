"""Assemble a report: one pass over the cards of the readable books, every section fed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Protocol, Sequence

from cms_dav.reports.activity import Activity
from cms_dav.reports.cards import StoredCard, stored_cards
from cms_dav.reports.counts import Counts
from cms_dav.reports.followups import FollowUps
from cms_dav.reports.gaps import Gaps
from cms_dav.reports.model import Report, Section
from cms_dav.reports.quality import Quality
from cms_dav.reports.scope import books_for
from cms_dav.reports.upcoming import Upcoming

if TYPE_CHECKING:
    from cms_dav.app import App


class Part(Protocol):
    def add(self, card: StoredCard) -> None: ...

    def sections(self) -> list[Section]: ...


@dataclass(frozen=True)
class Options:
    books: Sequence[str] = ()  # empty: every book the user may read
    user: str | None = None
    days: int = 90  # "not contacted in N days"
    ahead: int = 30  # birthdays and follow-ups due in the next N days
    limit: int = 500  # rows of each list / ranking (totals are always complete)
    today: date | None = None  # default: today (UTC)


def build_report(app: "App", options: Options) -> Report:
    today = options.today or datetime.now(timezone.utc).date()
    counts = Counts(options.limit)
    parts: list[Part] = [counts, Activity(today, options.days, options.limit),
                         Gaps(options.limit),
                         Upcoming(today, options.ahead, options.limit,
                                  app.settings.birthdays_feb29),
                         FollowUps(today, options.ahead, options.limit),
                         Quality(app.settings.default_region)]
    cards = 0
    with app.store.reading() as conn:
        books = books_for(conn, app.policy, options.user, options.books)
        for card in stored_cards(conn, books):
            cards += 1
            for part in parts:
                part.add(card)
    summary = Section("summary", "Summary", ("measure", "count"),
                      [("address books", len(books)), ("cards", cards),
                       ("contacts (people)", counts.people),
                       ("groups", counts.groups), ("unreadable cards", counts.unreadable)])
    return Report(
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        user=options.user, books=tuple(f"/{b.path}/" for b in books), cards=cards,
        parameters={"today": today.isoformat(), "days": options.days, "ahead": options.ahead,
                    "limit": options.limit},
        sections=[summary] + [s for part in parts for s in part.sections()])


"""What the web app's dashboard shows after sign-in, across every address book the
caller may read, each by one bounded query on the contact index:

- follow-ups due: cards whose earliest open follow-up
  (:func:`cms_dav.contacts.interactions.follow_ups`, the follow-ups calendar's answer)
  falls on or before the last day of the window, overdue ones first;
- birthdays this week: cards whose BDAY (:func:`cms_dav.contacts.anniversaries.dates_of`)
  falls in the next seven days, a Feb 29 birthday on Feb 28 in common years (as the
  birthday calendar's default, RFC 5545 §3.3.10);
- recently changed: the newest entries of each book's sync log (RFC 6578 change log),
  newest first, one per contact.

Only the ``limit`` rows shown are read (plus, for follow-ups, the few cards shown, to
name the note); no query loads a whole book."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Sequence

from sqlalchemy import Connection, select

from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import follow_ups, parse_interactions
from cms_dav.contacts.query import Book
from cms_dav.store.schema import changes, contact_cards, items

#: at most this many address books are looked at (the first by path)
MAX_BOOKS = 200


@dataclass(frozen=True)
class Row:
    """One line of the dashboard: a contact and what is due or changed."""

    book: str  # "owner/book"
    href: str
    name: str
    day: date | None = None  # the follow-up or birthday date
    note: str = ""  # the follow-up's note
    changed: datetime | None = None


def _ids(books: Sequence[Book]) -> dict[int, str]:
    return {book.id: book.path for book in books[:MAX_BOOKS]}


def _open_note(text: str, day: date) -> str:
    """The text of the open follow-up due on ``day`` (the card's earliest open one)."""
    try:
        entries = follow_ups(parse_interactions(text, strict=False))
    except ContactError:
        return ""
    for entry in entries:
        if entry.is_open and entry.interaction.follow_up == day:
            return entry.interaction.text
    return ""


def follow_ups_due(conn: Connection, books: Sequence[Book], until: date, limit: int
                   ) -> list[Row]:
    """Contacts with an open follow-up on or before ``until``, earliest first."""
    paths = _ids(books)
    if not paths:
        return []
    rows = list(conn.execute(
        select(contact_cards.c.item_id, contact_cards.c.collection_id, contact_cards.c.href,
               contact_cards.c.fn, contact_cards.c.follow_up)
        .where(contact_cards.c.collection_id.in_(list(paths)),
               contact_cards.c.follow_up.is_not(None), contact_cards.c.follow_up <= until)
        .order_by(contact_cards.c.follow_up, contact_cards.c.fn, contact_cards.c.item_id)
        .limit(limit)))
    # the texts of the rows shown only (sorting with them would carry every due card's)
    texts = {item.id: item.text for item in conn.execute(select(items.c.id, items.c.text)
                                                         .where(items.c.id.in_(
                                                             [row.item_id for row in rows])))}
    return [Row(paths[row.collection_id], row.href, row.fn or row.href, row.follow_up,
                _open_note(texts.get(row.item_id, ""), row.follow_up)) for row in rows]


def _days_of_week(today: date) -> dict[int, date]:
    """month * 100 + day of the next seven days → the day; Feb 29 → Feb 28 in common years."""
    days: dict[int, date] = {}
    for offset in range(7):
        day = today + timedelta(days=offset)
        days[day.month * 100 + day.day] = day
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            days[229] = day
    return days


def birthdays_this_week(conn: Connection, books: Sequence[Book], today: date, limit: int
                        ) -> list[Row]:
    """Contacts whose birthday falls from ``today`` to six days later, soonest first."""
    paths = _ids(books)
    days = _days_of_week(today)
    if not paths:
        return []
    rows = conn.execute(
        select(contact_cards.c.collection_id, contact_cards.c.href, contact_cards.c.fn,
               contact_cards.c.birthday)
        .where(contact_cards.c.collection_id.in_(list(paths)),
               contact_cards.c.birthday.in_(list(days)))
        .order_by(contact_cards.c.fn, contact_cards.c.item_id).limit(limit * 7))
    found = [Row(paths[row.collection_id], row.href, row.fn or row.href, days[row.birthday])
             for row in rows]
    return sorted(found, key=lambda row: (row.day or today, row.name))[:limit]


def recently_changed(conn: Connection, books: Sequence[Book], limit: int) -> list[Row]:
    """The contacts changed last (created or updated; deleted ones are gone), newest
    first: each book's newest ``limit`` sync-log entries, by the (book, seq) index."""
    paths = _ids(books)
    newest: list[tuple[float, int, str]] = []
    for collection_id in paths:
        newest += [(row.at, collection_id, row.href) for row in conn.execute(
            select(changes.c.at, changes.c.href)
            .where(changes.c.collection_id == collection_id, changes.c.deleted.is_(False))
            .order_by(changes.c.seq.desc()).limit(limit * 3))]  # some repeat a contact
    newest.sort(reverse=True)
    found: list[Row] = []
    seen: set[tuple[int, str]] = set()
    for at, collection_id, href in newest:
        if len(found) >= limit or (collection_id, href) in seen:
            continue
        seen.add((collection_id, href))
        card = conn.execute(  # by the items' (collection, href) key, then the item id
            select(contact_cards.c.fn)
            .select_from(items.join(contact_cards, contact_cards.c.item_id == items.c.id))
            .where(items.c.collection_id == collection_id, items.c.href == href)).first()
        if card is not None:
            found.append(Row(paths[collection_id], href, card.fn or href,
                             changed=datetime.fromtimestamp(at, timezone.utc)))
    return found

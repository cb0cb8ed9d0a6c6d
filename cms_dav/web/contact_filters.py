"""The contacts list's filters (issue 16 item 2): one address book, a category, a group,
a custom field condition (the fields file's ``--where`` syntax, e.g. ``industry = Retail``),
"not contacted for N days" and "follow-ups due", combined with each other and with the
search text. They narrow the same people the CLI and the API find: the typed conditions
of :func:`cms_dav.contacts.condition_query.matching_ids`, the membership rule of
:func:`cms_dav.contacts.query.members` (category or group, however a client recorded it),
and ``contact_cards.follow_up`` (the earliest open follow-up, as on the dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from cms_dav.contacts.condition_query import matching_ids
from cms_dav.contacts.conditions import parse_conditions
from cms_dav.contacts.field_defs import FieldSet
from cms_dav.contacts.query import (Book, Contact, contacts_by_ids, members, page_contacts,
                                    search)
from cms_dav.store.schema import contact_cards

DAY = 86_400.0


@dataclass(frozen=True)
class ListFilters:
    """What the list is narrowed to; empty strings and None mean "no such filter"."""

    book: str = ""  # an address book's path, "alice/contacts"
    category: str = ""
    group: str = ""
    where: str = ""
    quiet_days: int | None = None  # not contacted for this many days
    due: bool = False  # an open follow-up today or earlier

    @property
    def narrowing(self) -> bool:
        """Any filter but the book (which only chooses where to look)."""
        return bool(self.category or self.group or self.where or self.due
                    or self.quiet_days is not None)

    @property
    def active(self) -> bool:
        return bool(self.book) or self.narrowing

    def query(self, q: str) -> str:
        """The list's URL parameters for ``q`` and these filters (the paging links)."""
        pairs = [("q", q), ("book", self.book), ("category", self.category),
                 ("group", self.group), ("where", self.where),
                 ("quiet_days", "" if self.quiet_days is None else str(self.quiet_days)),
                 ("due", "1" if self.due else "")]
        return urlencode([(k, v) for k, v in pairs if v])


def chosen_books(books: Sequence[Book], filters: ListFilters) -> list[Book]:
    """The readable books the list looks in: one of them, or all (a book the user may
    not read is never among ``books``, so asking for it finds nothing)."""
    return [b for b in books if not filters.book or b.path == filters.book]


def _due(conn: Connection, books: Sequence[Book], today: date) -> set[int]:
    cards = contact_cards.c
    return {row[0] for row in conn.execute(select(cards.item_id).where(
        cards.collection_id.in_([b.id for b in books]), cards.is_group.is_(False),
        cards.follow_up.is_not(None), cards.follow_up <= today))}


def _in_name_order(conn: Connection, books: Sequence[Book], ids: set[int]) -> list[int]:
    """``ids`` in list order (sort key, book path, href), from the sort columns only: the
    whole rows are read for the page alone."""
    cards = contact_cards.c
    paths = {b.id: b.path for b in books}
    wanted = sorted(ids)
    keyed = [(row.sort_key, paths[row.collection_id], row.href, row.item_id)
             for start in range(0, len(wanted), 500)
             for row in conn.execute(select(
                 cards.item_id, cards.collection_id, cards.sort_key, cards.href).where(
                 cards.item_id.in_(wanted[start:start + 500]),
                 cards.collection_id.in_(list(paths))))]
    return [row[3] for row in sorted(keyed)]


def narrowed_ids(conn: Connection, books: Sequence[Book], fields: FieldSet,
                 filters: ListFilters, today: date) -> set[int]:
    """The people of ``books`` meeting every narrowing filter. Raises ContactError for a
    condition that cannot be read (unknown field, bad value)."""
    conditions = parse_conditions((filters.where,), fields) if filters.where else []
    quiet = None if filters.quiet_days is None else filters.quiet_days * DAY
    ids = matching_ids(conn, books, conditions, category=filters.category or None,
                       not_contacted_for=quiet)
    if filters.group and ids:
        ids &= {c.item_id for c in members(conn, books, filters.group, among=ids)}
    if filters.due and ids:
        ids &= _due(conn, books, today)
    return ids


def filtered(conn: Connection, books: Sequence[Book], fields: FieldSet, region: str,
             query: str, filters: ListFilters, start: int, count: int, today: date
             ) -> list[Contact]:
    """``count`` people from ``start`` of the filtered list: ranked by the search when
    there is a text, else by name; a book alone is paged in SQL like the whole list."""
    books = chosen_books(books, filters)
    if not filters.narrowing:
        if not query:
            return page_contacts(conn, books, start, count)
        return search(conn, books, query, region, limit=start + count)[start:]
    ids = narrowed_ids(conn, books, fields, filters, today)
    if not ids:
        return []
    if not query:
        return contacts_by_ids(conn, books, _in_name_order(conn, books, ids)[start:start + count])
    return [c for c in search(conn, books, query, region) if c.item_id in ids][
        start:start + count]

"""Typed filters answered from the index (issue 14 item 2): no card is read.

Custom field conditions run against ``contact_field_values`` (numbers in the
``number`` column, dates in ``day``, the rest case-folded in ``folded``); the
built-ins use the search index: ``--city`` the ``city`` terms, ``--category`` the
category/group membership of :func:`cms_dav.contacts.query.members`, and
``--not-contacted-since`` the last interaction time in ``contact_cards``.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import ColumnElement, Connection, select

from cms_dav.contacts.conditions import BoundCondition
from cms_dav.contacts.normalize import fold
from cms_dav.contacts.query import Book, members
from cms_dav.store.schema import contact_cards, contact_field_values, contact_terms

_VALUES = contact_field_values.c


def _typed(condition: BoundCondition) -> tuple[ColumnElement[object], list[object]]:
    """The index column the field's type compares in, and the values in its type."""
    kind = condition.field.type
    if kind == "number":
        return _VALUES.number, [float(v) for v in condition.values]
    if kind == "date":
        return _VALUES.day, [date.fromisoformat(v) for v in condition.values]
    return _VALUES.folded, [v.casefold() for v in condition.values]


def _holding(condition: BoundCondition) -> ColumnElement[bool]:
    """Rows of the field whose value satisfies the condition's positive form."""
    column, values = _typed(condition)
    test: ColumnElement[bool]
    if condition.op in ("=", "!=", "in", "not in"):
        test = column.in_(values)
    elif condition.op == "<":
        test = column < values[0]
    elif condition.op == "<=":
        test = column <= values[0]
    elif condition.op == ">":
        test = column > values[0]
    else:
        test = column >= values[0]
    return (_VALUES.field == condition.field.key) & test


def matching_ids(conn: Connection, books: Sequence[Book],
                 conditions: Sequence[BoundCondition] = (), *, category: str | None = None,
                 city: str | None = None, not_contacted_for: float | None = None,
                 among: Collection[int] | None = None) -> set[int]:
    """Item ids of the people (not group cards) in ``books`` meeting every condition;
    ``among``: only these item ids are tested (one card's upkeep in a segment)."""
    ids = [b.id for b in books]
    if not ids or (among is not None and not among):
        return set()
    people = select(contact_cards.c.item_id).where(
        contact_cards.c.collection_id.in_(ids), contact_cards.c.is_group.is_(False))
    if among is not None:
        people = people.where(contact_cards.c.item_id.in_(list(among)))
    if not_contacted_for is not None:
        cutoff = time.time() - not_contacted_for
        people = people.where(contact_cards.c.last_contacted.is_(None)
                              | (contact_cards.c.last_contacted < cutoff))
    if city is not None:
        people = people.where(contact_cards.c.item_id.in_(select(contact_terms.c.item_id).where(
            contact_terms.c.collection_id.in_(ids), contact_terms.c.field == "city",
            contact_terms.c.term == fold(city))))
    for condition in conditions:
        holding = select(_VALUES.item_id).where(_VALUES.collection_id.in_(ids),
                                                _holding(condition))
        negated = condition.op in ("!=", "not in")
        people = people.where(contact_cards.c.item_id.not_in(holding) if negated
                              else contact_cards.c.item_id.in_(holding))
    found = {row[0] for row in conn.execute(people)}
    if category is not None and found:
        found &= {c.item_id for c in members(conn, books, category, among)}
    return found


def matching_hrefs(conn: Connection, book: Book, conditions: Sequence[BoundCondition] = (),
                   *, category: str | None = None, city: str | None = None,
                   not_contacted_for: float | None = None) -> set[str]:
    """The hrefs in one address book meeting every condition (``cms-dav export``)."""
    ids = matching_ids(conn, [book], conditions, category=category, city=city,
                       not_contacted_for=not_contacted_for)
    found: set[str] = set()
    wanted = sorted(ids)
    for start in range(0, len(wanted), 500):
        found |= {row[0] for row in conn.execute(select(contact_cards.c.href).where(
            contact_cards.c.item_id.in_(wanted[start:start + 500])))}
    return found

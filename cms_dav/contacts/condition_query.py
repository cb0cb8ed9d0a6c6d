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

from cms_dav.contacts.conditions import BoundCondition
from cms_dav.contacts.normalize import fold
from cms_dav.contacts.query import Book, members
from cms_dav.store.sql import Conn, Db, Sql, all_of, as_db, column, in_, sql


def _typed(db: Db, condition: BoundCondition) -> tuple[str, list[object]]:
    """The index column the field's type compares in, and the values in its type (a
    date as SQLite keeps it: ISO text)."""
    kind = condition.field.type
    if kind == "number":
        return "number", [float(v) for v in condition.values]
    if kind == "date":
        days = [date.fromisoformat(v) for v in condition.values]
        return "day", [d.isoformat() for d in days] if db.dialect == "sqlite" else list(days)
    return "folded", [v.casefold() for v in condition.values]


def _holding(db: Db, condition: BoundCondition) -> Sql:
    """Rows of the field whose value satisfies the condition's positive form."""
    name, values = _typed(db, condition)
    test: Sql
    if condition.op in ("=", "!=", "in", "not in"):
        test = in_(name, values)
    elif condition.op in ("<", "<=", ">", ">="):
        test = sql(f"{name} {condition.op} ?", values[0])
    else:
        test = sql(f"{name} >= ?", values[0])
    return sql("field = ?", condition.field.key) & test


def matching_ids(conn: Conn, books: Sequence[Book],
                 conditions: Sequence[BoundCondition] = (), *, category: str | None = None,
                 city: str | None = None, not_contacted_for: float | None = None,
                 among: Collection[int] | None = None) -> set[int]:
    """Item ids of the people (not group cards) in ``books`` meeting every condition;
    ``among``: only these item ids are tested (one card's upkeep in a segment)."""
    ids = [b.id for b in books]
    if not ids or (among is not None and not among):
        return set()
    db = as_db(conn)
    people = [in_("collection_id", ids), sql("is_group = ?", False)]
    if among is not None:
        people.append(in_("item_id", list(among)))
    if not_contacted_for is not None:
        cutoff = time.time() - not_contacted_for
        people.append(sql("last_contacted IS NULL") | sql("last_contacted < ?", cutoff))
    if city is not None:
        people.append(sql("item_id IN (SELECT contact_terms.item_id FROM contact_terms WHERE")
                      + all_of(in_("contact_terms.collection_id", ids),
                               sql("contact_terms.field = ?", "city"),
                               sql("contact_terms.term = ?", fold(city))) + sql(")"))
    for condition in conditions:
        holding = (sql("SELECT contact_field_values.item_id FROM contact_field_values WHERE")
                   + (in_("contact_field_values.collection_id", ids) & _holding(db, condition)))
        negated = condition.op in ("!=", "not in")
        people.append(sql("item_id NOT IN (" if negated else "item_id IN (") + holding
                      + sql(")"))
    found = set(column(db, sql("SELECT item_id FROM contact_cards WHERE") + all_of(*people)))
    if category is not None and found:
        found &= {c.item_id for c in members(db, books, category, among)}
    return found


def matching_hrefs(conn: Conn, book: Book, conditions: Sequence[BoundCondition] = (),
                   *, category: str | None = None, city: str | None = None,
                   not_contacted_for: float | None = None) -> set[str]:
    """The hrefs in one address book meeting every condition (``cms-dav export``)."""
    db = as_db(conn)
    ids = matching_ids(db, [book], conditions, category=category, city=city,
                       not_contacted_for=not_contacted_for)
    found: set[str] = set()
    wanted = sorted(ids)
    for start in range(0, len(wanted), 500):
        found |= set(column(db, sql("SELECT href FROM contact_cards WHERE")
                            + in_("item_id", wanted[start:start + 500])))
    return found

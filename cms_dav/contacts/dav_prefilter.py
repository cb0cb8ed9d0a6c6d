"""Candidates for a CardDAV ``addressbook-query`` (RFC 6352 §10.5), from the index.

The first duty here is to never return too few: the candidate set is a superset of
the true matches. Where every part of the filter is a ``text-match`` the index
answers exactly (below), the candidates it vouches for are reported as matched and
Radicale does not parse them to apply the filter again; the others it still checks.
That holds because ``contact_values`` keeps each value exactly as Radicale's
``text_match`` sees it, lower-cased as it lower-cases it (SQLite's LIKE, being
case-insensitive for ASCII, can only add candidates). Anything we cannot answer
that way (negate-condition, param-filter, is-not-defined, the case-sensitive
``i;octet`` collation, a property we do not keep) means "no restriction" for
that part of the filter; cards whose index rows are missing or stale are
candidates whatever the filter says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable
from xml.etree.ElementTree import Element

from cms_dav.contacts import trigram
from cms_dav.contacts.index_store import DAV_PROPS
from cms_dav.store.sql import (Conn, Db, Sql, as_db, column, contains, ends_with, in_, sql,
                               starts_with)

#: ids per IN (...) query
_CHUNK = 500

_CR = "{urn:ietf:params:xml:ns:carddav}"
_MATCH_TYPES = ("contains", "equals", "starts-with", "ends-with")


@dataclass(frozen=True)
class _Part:
    """Item ids a part of the filter selects; ``exact``: exactly those Radicale's
    filter selects among cards indexed at their current ETag (else a superset)."""

    ids: set[int]
    exact: bool


def _text_match(db: Db, collection_id: int, prop: str, element: Element
                ) -> _Part | None:
    if element.get("negate-condition") == "yes" or element.get("collation") == "i;octet":
        return None
    match_type = element.get("match-type", "contains")
    if match_type not in _MATCH_TYPES:
        return None
    # lower-cased as radicale.item.filter.text_match lowers both sides; the stored
    # values are lower-cased the same way, so the comparison below is Radicale's
    text = next(element.itertext(), "").lower()
    value = "contact_values.value"
    condition = {"contains": lambda: contains(value, text),
                 "equals": lambda: sql(f"{value} = ?", text),
                 "starts-with": lambda: starts_with(value, text),
                 "ends-with": lambda: ends_with(value, text)}[match_type]()
    index = trigram.narrowed(db, "contact_values", text) if match_type != "equals" else None
    if index is not None:  # the trigram index narrows every substring match
        return _Part(_ids(db, collection_id, prop, index & condition, by_rowid=True), True)
    return _Part(_ids(db, collection_id, prop, condition), True)


def _ids(db: Db, collection_id: int, prop: str, condition: Sql | None = None,
         by_rowid: bool = False) -> set[int]:
    """``by_rowid``: ``condition`` names the rows by id (the trigram index's
    candidates); SQLite then reads each candidate's row by its rowid and checks
    collection and property there (the unary ``+`` keeps it off the
    ``(collection_id, prop)`` index, whose probe per candidate came on top of the row
    read a match needs anyway: 45-50 → 32-34 ms for 16,696 ORG matches at 100k, and
    faster too when half the candidates are another property's; round nine)."""
    plus = "+" if by_rowid else ""
    where = sql(f"{plus}contact_values.collection_id = ? AND {plus}contact_values.prop = ?",
                collection_id, prop)
    if condition is not None:
        where = where & condition
    return set(column(db, sql("SELECT contact_values.item_id FROM contact_values WHERE")
                      + where))


def _combine(parts: list[_Part | None], test: str) -> _Part | None:
    """anyof: a union, unknown if any part is; allof: intersect the known parts.
    Exact only when every part is known and exact and ``test`` is one Radicale reads
    (radicale.app.report.test_filter, radicale.item.filter.prop_match)."""
    exact = test in ("anyof", "allof") and all(p is not None and p.exact for p in parts)
    if test == "allof":
        known = [p.ids for p in parts if p is not None]
        return _Part(set.intersection(*known), exact) if known else None
    if any(p is None for p in parts):
        return None
    return _Part(set[int]().union(*(p.ids for p in parts if p is not None)), exact)


def _prop_filter(db: Db, collection_id: int, element: Element) -> _Part | None:
    prop = element.get("name", "").lower()
    if prop not in DAV_PROPS:
        return None
    if len(element) == 0:  # "the property is defined": a property without values
        return _Part(_ids(db, collection_id, prop), False)  # has no index row
    parts = [_text_match(db, collection_id, prop, child)
             if child.tag == f"{_CR}text-match" else None for child in element]
    return _combine(parts, element.get("test", "anyof"))


def _filter(db: Db, collection_id: int, element: Element) -> _Part | None:
    if element.tag != f"{_CR}filter":
        return None
    if any(child.tag != f"{_CR}prop-filter" for child in element):
        return None
    parts = [_prop_filter(db, collection_id, child) for child in element]
    return _combine(parts, element.get("test", "anyof"))


def _unreliable(collection_id: int) -> Sql:
    """The hrefs of the items the index cannot vouch for (unindexed, unreadable, or
    indexed at an older ETag or under another name): always candidates. SQL finds them
    without returning every row. (A name changes only with a new item row today; the
    check keeps the promise that an ETag-only query may read name and ETag from the
    index rows, ``listing.indexed_by_id_in``, independent of that.)"""
    return sql("SELECT items.href FROM items LEFT OUTER JOIN contact_cards "
               "ON contact_cards.item_id = items.id WHERE items.collection_id = ? AND "
               "(contact_cards.item_id IS NULL OR NOT contact_cards.values_ok "
               "OR contact_cards.etag != items.etag OR contact_cards.href != items.href)",
               collection_id)


@dataclass(frozen=True)
class Candidates:
    """``hrefs``: every item that may match (sorted); ``matched``: those the index
    answers exactly, so Radicale need not parse them to apply the filter again."""

    hrefs: list[str]
    matched: frozenset[str]


def candidates(conn: Conn, collection_id: int, filters: Iterable[Element]
               ) -> Candidates | None:
    """The items that may match all ``filters``, or None when the index cannot narrow
    them (RFC 6352 §10.5: every filter must hold)."""
    filters = list(filters)
    if not filters:
        return None
    db = as_db(conn)
    restriction = _combine([_filter(db, collection_id, f) for f in filters], "allof")
    if restriction is None:
        return None
    unsure = set(column(db, _unreliable(collection_id)))
    found: set[str] = set()
    wanted = sorted(restriction.ids)
    for start in range(0, len(wanted), _CHUNK):
        found.update(column(db, sql("SELECT href FROM items WHERE collection_id = ? AND",
                                    collection_id)
                            + in_("id", wanted[start:start + _CHUNK])))
    matched = frozenset(found - unsure) if restriction.exact else frozenset()
    return Candidates(sorted(found | unsure), matched)


def candidate_hrefs(conn: Conn, collection_id: int, filters: Iterable[Element]
                    ) -> list[str] | None:
    """Hrefs that may match all ``filters``, or None when the index cannot narrow them."""
    found = candidates(conn, collection_id, filters)
    return None if found is None else found.hrefs



def exact_ids(conn: Conn, collection_id: int, filters: Iterable[Element]
              ) -> set[int] | None:
    """The ids of the cards the index says match all ``filters``, when it answers every
    part of them exactly; None otherwise. Exact for the whole collection only if
    :func:`all_cards_indexed` holds too (in the same snapshot)."""
    filters = list(filters)
    if not filters:
        return None
    db = as_db(conn)
    restriction = _combine([_filter(db, collection_id, f) for f in filters], "allof")
    if restriction is None or not restriction.exact:
        return None
    return restriction.ids


def all_cards_indexed(conn: Conn, collection_id: int) -> bool:
    """Whether the index vouches for every card of the collection (none unindexed,
    unreadable or indexed at an older ETag): one scan of the collection's items."""
    return not as_db(conn).rows(_unreliable(collection_id) + sql("LIMIT ?", 1))

"""The first page of a one-term search from the index's exact and prefix rows alone
(issue 16 item 5: every keystroke under 100 ms at 100,000 contacts).

A term scores per card the best of its rows (:func:`search_terms.score_terms`): exact
(3 x field weight; an e-mail 10) > prefix (2 x weight) > substring (1 x weight). A row
that merely *contains* the text scores at most the substring ceiling (1.0), and finding
those rows takes a scan for a text under three characters (no trigram). So the cards are
placed score level by level, highest first, down to the ceiling: a level's rows are the
exact rows of the fields whose exact grade is that score and the prefix rows of those
whose prefix grade is (index seeks on ``ix_contact_terms_field_term``); its cards not
placed higher score exactly that. Each level is read in name order only as far as the
page needs: a small one whole, a large one by walking each book's sort index against
the set of its rows (``z`` at 100,000 cards: 20,000 rows, no sort of 20,000 cards).
When ``limit`` cards are placed the page and its order are certain: score, then folded
name (ties at the page's edge are all fetched and ordered as :func:`query.search` orders
them). Otherwise the caller takes the full search.

A phone number has two levels (an equal key, then its digits inside a number), both
found through indexes: when both run out every match is placed, the page is settled.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import ColumnElement, Connection, Select, select, union_all

from cms_dav.contacts import trigram
from cms_dav.contacts.index_store import MAX_TERM
from cms_dav.contacts.search_terms import (EXACT, FIELD_WEIGHT, IDENTIFIER_EXACT, PREFIX,
                                           SUBSTRING, WORD_FIELDS, Query, QueryTerm)
from cms_dav.store.schema import contact_cards, contact_terms

#: above every code point: ``term < text + TOP`` bounds a prefix range (binary order)
_TOP = "\U0010ffff"
#: item ids per IN list
_CHUNK = 500


def _grades(term: QueryTerm) -> tuple[dict[str, float], dict[str, float], float] | None:
    """Per field the exact and prefix score of ``term``, and the substring ceiling; None
    for a term this module does not rank (phones)."""
    if term.kind == "email":
        return {"email": IDENTIFIER_EXACT}, {"email": PREFIX}, SUBSTRING
    if term.kind != "word" or term.field == "phone":
        return None
    fields = [term.field] if term.field else list(WORD_FIELDS)
    exact = {f: IDENTIFIER_EXACT if f == "email" else EXACT * FIELD_WEIGHT[f] for f in fields}
    prefix = {f: PREFIX * FIELD_WEIGHT[f] for f in fields}
    return exact, prefix, max(SUBSTRING * FIELD_WEIGHT[f] for f in fields)


def _prefix(conn: Connection, text: str) -> ColumnElement[bool]:
    column = contact_terms.c.term
    condition = column.startswith(text, autoescape=True) & (column != text)
    if conn.dialect.name == "sqlite":  # a range the index can seek (LIKE cannot)
        condition = condition & (column >= text) & (column < text + _TOP)
    return condition


def top_scores(conn: Connection, book_ids: Sequence[int], query: Query, limit: int
               ) -> dict[int, float] | None:
    """The scores of the cards (not groups) that fill the first ``limit`` places of a
    one-term ``query``, ties at the last place included; None when the exact and prefix
    rows cannot settle that page (then the full search must)."""
    if len(query.terms) != 1 or not book_ids or limit <= 0:
        return None
    term = query.terms[0]
    if term.kind == "phone":
        return _phone(conn, book_ids, term, limit)
    grades = _grades(term)
    if grades is None or not term.text or len(term.text) >= MAX_TERM:
        return None
    exact, prefix, ceiling = grades
    return _levels(conn, book_ids, term.text, exact, prefix, ceiling, limit)


def _levels(conn: Connection, book_ids: Sequence[int], text: str, exact: dict[str, float],
            prefix: dict[str, float], ceiling: float, limit: int) -> dict[int, float] | None:
    """Score level by level, highest first: the cards holding a row of grade ``s``
    that no higher level placed score exactly ``s``; each level is read in name order
    only as far as the page needs (:func:`_level`), so a level of 20,000 prefix rows
    ("z" at 100,000 cards) costs a walk of the sort index, not a sort of 20,000 cards."""
    placed: dict[int, float] = {}
    for score in sorted({s for s in [*exact.values(), *prefix.values()] if s > ceiling},
                        reverse=True):
        rows = _rows(conn, book_ids, text, [f for f, s in exact.items() if s == score],
                     [f for f, s in prefix.items() if s == score])
        if not rows:
            continue
        need = limit - len(placed)
        found = _level(conn, book_ids, rows, placed, need)
        placed.update((item_id, score) for item_id in found)
        if len(found) >= need:
            return placed
    return None


def _rows(conn: Connection, book_ids: Sequence[int], text: str, exact: list[str],
          prefix: list[str]) -> list[Select[Any]]:
    """The item ids of a level's rows: equal to ``text`` in ``exact`` fields, starting
    with it in ``prefix`` fields (each a seek on ``ix_contact_terms_field_term``)."""
    terms = contact_terms.c
    parts = []
    if exact:
        parts.append(select(terms.item_id).where(
            terms.field.in_(exact), terms.term == text,
            terms.collection_id.in_(list(book_ids))))
    if prefix:
        parts.append(select(terms.item_id).where(
            terms.field.in_(prefix), _prefix(conn, text),
            terms.collection_id.in_(list(book_ids))))
    return parts


#: a level with at most this many rows is read whole and sorted here; a larger one is
#: dense enough that walking the sort index finds a page after a few cards
SMALL_LEVEL = 2000


def _level(conn: Connection, book_ids: Sequence[int], rows: list[Select[Any]],
           placed: dict[int, float], need: int) -> list[int]:
    """The first ``need`` cards (not groups, not ``placed``) holding one of ``rows``, in
    name order (sort key, book, href), with every card tied with the last; all of them
    when fewer. A small level is read whole (its cards by key); a large one walks each
    book in its sort index order (SQLite checks each card against the set of ``rows``
    it builds once), at most ``need + 1`` cards a book, merged here."""
    cards = contact_cards.c
    ids = (rows[0] if len(rows) == 1 else union_all(*rows)).subquery()
    few = [row[0] for row in conn.execute(select(ids.c.item_id).limit(SMALL_LEVEL + 1))]
    if len(few) <= SMALL_LEVEL:
        wanted = sorted(set(few) - set(placed))
        found = sorted(
            (row.sort_key, row.collection_id, row.href, row.item_id)
            for start in range(0, len(wanted), _CHUNK)
            for row in conn.execute(select(
                cards.item_id, cards.collection_id, cards.sort_key, cards.href).where(
                cards.item_id.in_(wanted[start:start + _CHUNK]),
                cards.collection_id.in_(list(book_ids)), cards.is_group.is_(False))))
        if len(found) <= need:
            return [row[3] for row in found]
        last = found[need - 1][0]
        return [row[3] for row in found if row[0] <= last]

    def query(book_id: int) -> Select[Any]:
        chosen = select(cards.item_id, cards.sort_key, cards.href).where(
            cards.collection_id == book_id, cards.is_group.is_(False),
            cards.item_id.in_(select(ids.c.item_id)))
        if placed:
            chosen = chosen.where(cards.item_id.not_in(list(placed)))
        return chosen

    walked = sorted((row.sort_key, book_id, row.href, row.item_id)
                    for book_id in book_ids
                    for row in conn.execute(query(book_id).order_by(
                        cards.sort_key, cards.href).limit(need + 1)))
    if len(walked) <= need:
        return [row[3] for row in walked]
    head, last = walked[:need], walked[need - 1]
    if walked[need][0] == last[0]:  # the next card ties with the last: fetch that tie
        head += [(last[0], book_id, row.href, row.item_id) for book_id in book_ids
                 for row in conn.execute(query(book_id).where(cards.sort_key == last[0]))]
    return list(dict.fromkeys(row[3] for row in head))


def _phone(conn: Connection, book_ids: Sequence[int], term: QueryTerm, limit: int
           ) -> dict[int, float]:
    """A phone term has two levels, both found through indexes: an equal key (10), then
    its digits within a number (1, through the trigram index). Each is read in name
    order as far as the page needs (:func:`_level`); when both run out, every match
    is placed, so the page is always settled."""
    terms = contact_terms.c
    phones = [terms.collection_id.in_(list(book_ids)), terms.field == "phone"]
    levels = [(IDENTIFIER_EXACT, [select(terms.item_id).where(
        *phones, terms.term.in_(sorted(term.phone_keys)))])]
    if len(term.digits) >= 3:
        digits = terms.term.contains(term.digits, autoescape=True)
        index = trigram.narrowed(conn, contact_terms, term.digits)
        levels.append((SUBSTRING, [select(terms.item_id).where(
            *phones, digits if index is None else index & digits)]))
    placed: dict[int, float] = {}
    for score, rows in levels:
        need = limit - len(placed)
        found = _level(conn, book_ids, rows, placed, need)
        placed.update((item_id, score) for item_id in found)
        if len(found) >= need:
            break
    return placed

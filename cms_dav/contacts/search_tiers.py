"""The first page of a one-term search from the index's exact and prefix rows alone
(issue 16 item 5: every keystroke under 100 ms at 100,000 contacts).

A term scores per card the best of its rows (:func:`search_terms.score_terms`): exact
(3 x field weight; an e-mail 10) > prefix (2 x weight) > substring (1 x weight). A row
that merely *contains* the text scores at most the substring ceiling (1.0), and finding
those rows takes a scan for a text under three characters (no trigram). So, in tiers of
falling prefix score ``T`` above that ceiling: read the exact rows of every field and the
prefix rows of the fields whose prefix scores at least ``T`` (two index seeks on
``ix_contact_terms_field_term``), and let SQL score and order the cards. Every card
scoring ``T`` or more is then found with its true score (the rows left out score less
than ``T``), so when ``limit`` of them are found the page and its order are certain:
score, then folded name (ties at the page's edge are all fetched and ordered as
:func:`query.search` orders them). Otherwise the caller takes the full search.

A phone number has only two grades (an equal key, or its digits inside a number), and
both kinds of rows are found through indexes: SQL ranks the whole answer.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import (ColumnElement, Connection, Row, Select, Subquery, case, func, literal,
                        select, union_all)

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
        if rows is None:
            continue
        need = limit - len(placed)
        found = _level(conn, book_ids, rows, placed, need)
        placed.update((item_id, score) for item_id in found)
        if len(found) >= need:
            return placed
    return None


def _rows(conn: Connection, book_ids: Sequence[int], text: str, exact: list[str],
          prefix: list[str]) -> Select[Any] | None:
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
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union_all(*parts)  # type: ignore[return-value]


#: a level with at most this many rows is read whole and sorted here; a larger one is
#: dense enough that walking the sort index finds a page after a few cards
SMALL_LEVEL = 2000


def _level(conn: Connection, book_ids: Sequence[int], rows: Select[Any],
           placed: dict[int, float], need: int) -> list[int]:
    """The first ``need`` cards (not groups, not ``placed``) holding one of ``rows``, in
    name order (sort key, book, href), with every card tied with the last; all of them
    when fewer. A small level is read whole (its cards by key); a large one walks each
    book in its sort index order (SQLite checks each card against the set of ``rows``
    it builds once), at most ``need + 1`` cards a book, merged here."""
    cards = contact_cards.c
    ids = rows.subquery()
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
    """A phone term in one query: every row that can match it is read (a key's equality,
    or its digits through the trigram index), so SQL ranks the whole answer (an equal
    key 10, digits within a number 1) and the page is always settled."""
    terms = contact_terms.c
    matches: ColumnElement[bool] = terms.term.in_(sorted(term.phone_keys))
    if len(term.digits) >= 3:
        digits = terms.term.contains(term.digits, autoescape=True)
        index = trigram.narrowed(conn, contact_terms, term.digits)
        matches = matches | (digits if index is None else index & digits)
    rows = select(terms.item_id, terms.term).where(
        terms.collection_id.in_(list(book_ids)), terms.field == "phone", matches).subquery()
    grade = case((rows.c.term.in_(sorted(term.phone_keys)), literal(IDENTIFIER_EXACT)),
                 else_=literal(SUBSTRING if len(term.digits) >= 3 else 0.0))
    scored = (select(rows.c.item_id, func.max(grade).label("score"))
              .group_by(rows.c.item_id).having(func.max(grade) > 0).subquery())
    return _page(conn, book_ids, scored, limit, complete=True) or {}


def _page(conn: Connection, book_ids: Sequence[int], scored: Subquery, limit: int,
          complete: bool = False) -> dict[int, float] | None:
    """The first ``limit`` cards of ``scored`` (item_id, score) by score and folded name,
    with every card tied with the last; fewer than ``limit``: None, or all of them when
    ``scored`` is ``complete`` (every match)."""
    cards = contact_cards.c
    ranked = (select(scored.c.item_id, scored.c.score, cards.sort_key)
              .join(contact_cards, cards.item_id == scored.c.item_id)
              .where(cards.collection_id.in_(list(book_ids)), cards.is_group.is_(False)))
    page = conn.execute(ranked.order_by(scored.c.score.desc(), cards.sort_key)
                        .limit(limit + 1)).all()
    if len(page) < limit:
        return {row.item_id: float(row.score) for row in page} if complete else None
    last, after = page[limit - 1], page[limit:]
    ties: list[Row[Any, Any, Any]] = []  # the next card ties with the last one: fetch that tie
    if after and (after[0].score, after[0].sort_key) == (last.score, last.sort_key):
        ties = list(conn.execute(ranked.where(scored.c.score == last.score,
                                              cards.sort_key == last.sort_key)).all())
    return {row.item_id: float(row.score) for row in [*page[:limit], *ties]}

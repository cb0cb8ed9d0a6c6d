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

from sqlalchemy import (ColumnElement, Connection, Row, Subquery, and_, case, func, literal,
                        select, union_all)

from cms_dav.contacts import trigram
from cms_dav.contacts.index_store import MAX_TERM
from cms_dav.contacts.search_terms import (EXACT, FIELD_WEIGHT, IDENTIFIER_EXACT, PREFIX,
                                           SUBSTRING, WORD_FIELDS, Query, QueryTerm)
from cms_dav.store.schema import contact_cards, contact_terms

#: above every code point: ``term < text + TOP`` bounds a prefix range (binary order)
_TOP = "\U0010ffff"


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
    for floor in sorted({s for s in prefix.values() if s > ceiling}, reverse=True):
        found = _tier(conn, book_ids, term.text, exact, prefix, floor, limit)
        if found is not None:
            return found
    return None


def _tier(conn: Connection, book_ids: Sequence[int], text: str, exact: dict[str, float],
          prefix: dict[str, float], floor: float, limit: int) -> dict[int, float] | None:
    terms = contact_terms.c
    near = [f for f, s in prefix.items() if s >= floor]
    rows = union_all(
        select(terms.item_id, terms.field, terms.term).where(
            terms.collection_id.in_(list(book_ids)), terms.field.in_(list(exact)),
            terms.term == text),
        select(terms.item_id, terms.field, terms.term).where(
            terms.collection_id.in_(list(book_ids)), terms.field.in_(near),
            _prefix(conn, text))).subquery()
    grade = case(*[(and_(rows.c.term == text, rows.c.field == f), literal(s))
                   for f, s in exact.items()],
                 *[(rows.c.field == f, literal(s)) for f, s in prefix.items() if f in near],
                 else_=literal(0.0))
    scored = (select(rows.c.item_id, func.max(grade).label("score"))
              .group_by(rows.c.item_id).having(func.max(grade) >= floor).subquery())
    return _page(conn, book_ids, scored, limit)


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

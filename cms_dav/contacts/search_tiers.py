"""The first page of a search from a few index rows (issue 16 item 5: every keystroke
under 100 ms at 100,000 contacts): a one-term query from its exact and prefix rows, a
phone number from its two levels, several words from the cards starting with the
phrase (:func:`_phrase`).

A term scores per card the best of its rows (:func:`search_terms.score_terms`): exact
(3 x field weight; an e-mail 10) > prefix (2 x weight) > substring (1 x weight). A row
that merely *contains* the text scores at most the substring ceiling (1.0), and finding
those rows takes a scan for a text under three characters (no trigram). So the cards are
placed score level by level, highest first, down to the ceiling: a level's rows are the
exact rows of the fields whose exact grade is that score and the prefix rows of those
whose prefix grade is (index seeks on ``ix_contact_terms_field_term``); its cards not
placed higher score exactly that. Each level is read in name order only as far as the
page needs, per book at most ``need`` cards: its name and pinyin rows from
``contact_sorted_terms`` (:mod:`cms_dav.contacts.search_order`: an equal term is a seek
yielding its cards in name order, a prefix a range of covering entries), its other
fields' rows a small level whole, a large one by walking each book's sort index against
the set of its rows. (Walking the sort index for a pinyin level read every Latin name
before the first Chinese one: ``zh`` cost ~70 ms of SQL at 100,000 cards, now ~7.)
When ``limit`` cards are placed the page and its order are certain: score, then folded
name (the cards tied with the page's last at its edge come with it, at most ``need`` of
each book, and :func:`query.search` orders them by book path and href). Otherwise the
caller takes the full search.

A phone number has two levels (an equal key, then its digits inside a number), both
found through indexes: when both run out every match is placed, the page is settled.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import ColumnElement, Connection, Select, or_, select, union_all

from cms_dav.contacts import trigram
from cms_dav.contacts.search_order import SORTED_FIELDS, SORTED_TERM
from cms_dav.contacts.search_terms import (EXACT, FIELD_WEIGHT, IDENTIFIER_EXACT, MAX_TERM,
                                           PHRASE_FIELDS, PREFIX, SUBSTRING, WORD_FIELDS,
                                           Query, QueryTerm, score_terms)
from cms_dav.store.schema import contact_cards, contact_sorted_terms, contact_terms

#: above every code point: ``term < text + TOP`` bounds a prefix range (binary order)
_TOP = "\U0010ffff"
#: item ids per IN list
_CHUNK = 500
#: (sort key, book id, href, item id): a card's place in name order within a level
Keyed = tuple[str, int, str, int]


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
    """The term starts with ``text`` and is longer (:func:`_starts` without the equal)."""
    return _starts(conn, text) & (contact_terms.c.term != text)


def top_scores(conn: Connection, book_ids: Sequence[int], query: Query, limit: int
               ) -> dict[int, float] | None:
    """The scores of the cards (not groups) that fill the first ``limit`` places of
    ``query``, ties at the last place included; None when the rows read cannot settle
    that page (then the full search must)."""
    if not book_ids or limit <= 0:
        return None
    if len(query.terms) > 1:
        return _phrase(conn, book_ids, query, limit)
    term = query.terms[0]
    if term.kind == "phone":
        return _phone(conn, book_ids, term, limit)
    grades = _grades(term)
    if grades is None or not term.text or len(term.text) >= MAX_TERM:
        return None
    exact, prefix, ceiling = grades
    return _levels(conn, book_ids, term.text, exact, prefix, ceiling, limit)


#: rows starting with a phrase that :func:`_phrase` reads; more: the full search
PHRASE_ROWS = 2000


def _phrase(conn: Connection, book_ids: Sequence[int], query: Query, limit: int
            ) -> dict[int, float] | None:
    """Several plain words ("zhang w", "Żaneta Wój"): the cards whose name, pinyin or
    organisation starts with the phrase earn a bonus of at least 2 (index seeks). A card
    without it scores at most the best exact grade of a word (3, a name) per word, as a
    word cannot equal an e-mail address (checked: 10 if one did). So when the ``limit``-th
    best of the phrase's cards, scored from their rows exactly as the full search scores
    them, scores above that bound, no other card can enter the page."""
    words = [t.text for t in query.terms]
    if (not query.phrase or len(query.phrase) >= MAX_TERM
            or any(t.kind != "word" or t.field for t in query.terms)):
        return None
    terms, cards = contact_terms.c, contact_cards.c
    in_books = terms.collection_id.in_(list(book_ids))
    if conn.execute(select(terms.item_id).where(
            in_books, terms.field == "email", terms.term.in_(words)).limit(1)).first():
        return None
    starting = _starts(conn, query.phrase)
    starts = [row[0] for row in conn.execute(select(terms.item_id).where(
        in_books, terms.field.in_(list(PHRASE_FIELDS)), starting).limit(PHRASE_ROWS + 1))]
    ids = sorted(set(starts))
    if len(ids) < limit or len(starts) > PHRASE_ROWS:  # too few, or not all of them read
        return None
    rows: dict[int, list[tuple[str, str]]] = {}
    people: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        people.update(row[0] for row in conn.execute(select(cards.item_id).where(
            cards.item_id.in_(chunk), cards.collection_id.in_(list(book_ids)),
            cards.is_group.is_(False))))
        holding = or_(*[terms.term.contains(w, autoescape=True) for w in words])
        for item_id, field, value in conn.execute(select(
                terms.item_id, terms.field, terms.term).where(
                terms.item_id.in_(chunk), in_books, terms.field != "phone", holding)):
            rows.setdefault(item_id, []).append((field, value))
    scored = {i: score_terms(query, rows.get(i, [])) for i in people}
    best = sorted(scored.values(), reverse=True)
    if len(best) < limit:
        return None
    bound = len(words) * max(EXACT * w for f, w in FIELD_WEIGHT.items() if f != "phone")
    last = best[limit - 1]
    if last <= bound:
        return None
    return {i: value for i, value in scored.items() if value >= last}


def _starts(conn: Connection, text: str, column: ColumnElement[Any] = contact_terms.c.term
            ) -> ColumnElement[bool]:
    """The term starts with ``text`` (or equals it), as a range on SQLite."""
    condition: ColumnElement[bool] = column.startswith(text, autoescape=True)
    if conn.dialect.name == "sqlite":  # a range the index can seek (LIKE cannot)
        condition = condition & (column >= text) & (column < text + _TOP)
    return condition


def _levels(conn: Connection, book_ids: Sequence[int], text: str, exact: dict[str, float],
            prefix: dict[str, float], ceiling: float, limit: int) -> dict[int, float] | None:
    """Score level by level, highest first: the cards holding a row of grade ``s``
    that no higher level placed score exactly ``s``; each level is read in name order
    only as far as the page needs (:func:`_level_head`)."""
    placed: dict[int, float] = {}
    for score in sorted({s for s in [*exact.values(), *prefix.values()] if s > ceiling},
                        reverse=True):
        need = limit - len(placed)
        found = _level_head(conn, book_ids, text, placed, need,
                            [f for f, s in exact.items() if s == score],
                            [f for f, s in prefix.items() if s == score])
        placed.update((item_id, score) for item_id in found)
        if len(found) >= need:
            return placed
    return None


def _level_head(conn: Connection, book_ids: Sequence[int], text: str,
                placed: dict[int, float], need: int, exact: list[str], prefix: list[str]
                ) -> list[int]:
    """The first ``need`` cards of a level (:func:`_head`), read in parts: its name and
    pinyin rows from ``contact_sorted_terms`` in name order (:func:`_sorted`), its
    other fields' rows against the sort index (:func:`_level`). Each part yields at
    least its first ``need`` cards of every book, so together they hold the level's."""
    sortable = len(text) < SORTED_TERM
    keyed: list[Keyed] = []
    for fields, equal in ((exact, True), (prefix, False)):
        for field in fields:
            if sortable and field in SORTED_FIELDS:
                keyed += _sorted(conn, book_ids, field, text, equal, placed, need)
    rest_exact = [f for f in exact if not (sortable and f in SORTED_FIELDS)]
    rest_prefix = [f for f in prefix if not (sortable and f in SORTED_FIELDS)]
    if rest_exact or rest_prefix:
        rows, plain = _rows(conn, book_ids, text, rest_exact, rest_prefix)
        keyed += _level(conn, book_ids, rows, placed, need, plain)
    return _head(keyed, need)


def _head(keyed: list[Keyed], need: int) -> list[int]:
    """The item ids of the first ``need`` of ``keyed`` in name order, with every card
    tied with the last (the final order among a tie is the book's path, which the
    caller sorts by); all of them when fewer."""
    ordered = sorted(set(keyed))
    if len(ordered) <= need:
        return [row[3] for row in ordered]
    last = ordered[need - 1][0]
    return [row[3] for row in ordered if row[0] <= last]


def _sorted(conn: Connection, book_ids: Sequence[int], field: str, text: str, equal: bool,
            placed: dict[int, float], need: int) -> list[Keyed]:
    """The first ``need`` cards (not ``placed``) of each book holding a ``field`` term
    equal to ``text`` (``equal``) or starting with it and longer, in name order, from
    ``contact_sorted_terms``: an equal term is a seek whose entries come in that order,
    a prefix a range of covering entries sorted by SQL (a card may hold several: its
    rows are read until ``need`` distinct cards are found, or all of them)."""
    terms = contact_sorted_terms.c
    if equal:
        matching = terms.term == text
    else:
        matching = _starts(conn, text, terms.term) & (terms.term != text)
    found: list[Keyed] = []
    for book_id in book_ids:
        chosen = select(terms.item_id, terms.sort_key, terms.href).where(
            terms.field == field, terms.collection_id == book_id, matching)
        if placed:
            chosen = chosen.where(terms.item_id.not_in(list(placed)))
        chosen = chosen.order_by(terms.sort_key, terms.href, terms.item_id)
        wanted = need if equal else 4 * need
        while True:
            rows = conn.execute(chosen.limit(wanted)).all()
            cards = list(dict.fromkeys((r.sort_key, book_id, r.href, r.item_id) for r in rows))
            if len(cards) >= need or len(rows) < wanted:
                break
            wanted *= 4
        found += cards[:need]
    return found


def _rows(conn: Connection, book_ids: Sequence[int], text: str, exact: list[str],
          prefix: list[str]) -> tuple[list[Select[Any]], ColumnElement[bool]]:
    """The item ids of a level's rows: equal to ``text`` in ``exact`` fields, starting
    with it in ``prefix`` fields (each a seek on ``ix_contact_terms_field_term``); and
    the condition on one row."""
    terms = contact_terms.c
    parts, conditions = [], []
    if exact:
        conditions.append(terms.field.in_(exact) & (terms.term == text))
    if prefix:
        conditions.append(terms.field.in_(prefix) & _prefix(conn, text))
    for condition in conditions:
        parts.append(select(terms.item_id).where(
            condition, terms.collection_id.in_(list(book_ids))))
    return parts, or_(*conditions)


#: a level with at most this many rows is read whole and sorted here; a larger one is
#: dense enough that walking the sort index finds a page after a few cards
SMALL_LEVEL = 2000


def _level(conn: Connection, book_ids: Sequence[int], rows: list[Select[Any]],
           placed: dict[int, float], need: int,
           plain: ColumnElement[bool] | None = None) -> list[Keyed]:
    """Cards (not groups, not ``placed``) holding one of ``rows``: every one with a key
    up to the ``need``-th's and, per book, at least its first ``need`` in name order
    (sort key, href); all of them when fewer (:func:`_head` takes the page). A small
    level is read whole (its cards by key); a large one walks each book in its sort
    index order (SQLite checks each card against the set of ``rows`` it builds once),
    at most ``need`` cards a book; the first :data:`PROBE` cards of each book are tried
    one by one before (:func:`_probe`)."""
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
            return found
        last = found[need - 1][0]
        return [row for row in found if row[0] <= last]
    if plain is not None:
        probed = _probe(conn, book_ids, plain, placed, need)
        if probed is not None:
            return probed

    def query(book_id: int) -> Select[Any]:
        chosen = select(cards.item_id, cards.sort_key, cards.href).where(
            cards.collection_id == book_id, cards.is_group.is_(False),
            cards.item_id.in_(select(ids.c.item_id)))
        if placed:
            chosen = chosen.where(cards.item_id.not_in(list(placed)))
        return chosen

    # a book's first ``need`` hold every card of it that the page can show, ties with
    # the last included (the final order of a tie is the book's path, then the href)
    return [(row.sort_key, book_id, row.href, row.item_id) for book_id in book_ids
            for row in conn.execute(query(book_id).order_by(
                cards.sort_key, cards.href).limit(need))]


#: cards of a book tried one by one against a large level's rows (:func:`_probe`)
PROBE = 400


def _probe(conn: Connection, book_ids: Sequence[int], plain: ColumnElement[bool],
           placed: dict[int, float], need: int) -> list[Keyed] | None:
    """The page of a level from each book's first :data:`PROBE` cards in name order,
    each checked through its own rows (``ix_contact_terms_item_id``); None unless that
    settles it: the ``need``-th match found sorts before every book's first unprobed
    card (then every card tied with it is among those found, and all are returned).
    A dense level ("p1": a third of 100,000 cards) is settled by the first few hundred
    cards, without building the set of its 30,000 rows; a sparse one costs the
    :data:`PROBE` cards' checks before the walk."""
    if PROBE <= 0:
        return None
    cards, terms = contact_cards.c, contact_terms.c
    found: list[tuple[str, int, str, int]] = []
    bounds: list[str] = []  # per book not probed to its end: its last probed card's key
    for book_id in book_ids:
        first = select(cards.item_id, cards.sort_key, cards.href).where(
            cards.collection_id == book_id, cards.is_group.is_(False))
        if placed:
            first = first.where(cards.item_id.not_in(list(placed)))
        head = first.order_by(cards.sort_key, cards.href).limit(PROBE).subquery()
        holding = select(terms.item_id).where(terms.item_id == head.c.item_id,
                                              plain).exists()
        rows = conn.execute(select(head.c.item_id, head.c.sort_key, head.c.href,
                                   holding.label("hit"))
                            .order_by(head.c.sort_key, head.c.href)).all()
        hits = [(row.sort_key, book_id, row.href, row.item_id) for row in rows if row.hit]
        found += hits
        if len(rows) == PROBE:
            bounds.append(rows[-1].sort_key)
    found.sort()
    if len(found) < need:
        return None
    last = found[need - 1][0]
    if any(bound <= last for bound in bounds):
        return None
    return [row for row in found if row[0] <= last]  # a tie at the edge: all of it


def _phone(conn: Connection, book_ids: Sequence[int], term: QueryTerm, limit: int
           ) -> dict[int, float]:
    """A phone term has two levels, both found through indexes: an equal key (10), then
    its digits within a number (1, through the trigram index). Each is read in name
    order as far as the page needs (:func:`_level`); when both run out, every match
    is placed, so the page is always settled."""
    terms = contact_terms.c
    phones = [terms.collection_id.in_(list(book_ids)), terms.field == "phone"]
    levels: list[tuple[float, list[Select[Any]], ColumnElement[bool] | None]] = [
        (IDENTIFIER_EXACT, [select(terms.item_id).where(
            *phones, terms.term.in_(sorted(term.phone_keys)))], None)]
    if len(term.digits) >= 3:
        digits = terms.term.contains(term.digits, autoescape=True)
        levels.append((SUBSTRING, [select(terms.item_id).where(
            *phones, trigram.narrowing(conn, contact_terms, term.digits, digits))], digits))
    placed: dict[int, float] = {}
    for score, rows, plain in levels:
        need = limit - len(placed)
        found = _head(_level(conn, book_ids, rows, placed, need,
                             None if plain is None else (terms.field == "phone") & plain),
                      need)
        placed.update((item_id, score) for item_id in found)
        if len(found) >= need:
            break
    return placed

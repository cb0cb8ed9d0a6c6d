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

from typing import Sequence

from cms_dav.contacts import trigram
from cms_dav.contacts.search_terms import (EXACT, FIELD_WEIGHT, IDENTIFIER_EXACT, MAX_TERM,
                                           PHRASE_FIELDS, PREFIX, SHORT_NOTE_WORD,
                                           SORTED_FIELDS, SORTED_TERM, SUBSTRING,
                                           WORD_FIELDS, Query, QueryTerm, score_terms)
from cms_dav.store.sql import (Conn, Db, Sql, all_of, any_of, as_db, column, contains,
                               ends_with, in_, not_in, sql, starts_with)

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


def _prefix(db: Db, text: str) -> Sql:
    """The term starts with ``text`` and is longer (:func:`_starts` without the equal)."""
    return _starts(db, text) & sql("term != ?", text)


def top_scores(conn: Conn, book_ids: Sequence[int], query: Query, limit: int
               ) -> dict[int, float] | None:
    """The scores of the cards (not groups) that fill the first ``limit`` places of
    ``query``, ties at the last place included; None when the rows read cannot settle
    that page (then the full search must)."""
    if not book_ids or limit <= 0:
        return None
    db = as_db(conn)
    if len(query.terms) > 1:
        return _phrase(db, book_ids, query, limit)
    term = query.terms[0]
    if term.kind == "phone":
        return _phone(db, book_ids, term, limit)
    grades = _grades(term)
    if grades is None or not term.text or len(term.text) >= MAX_TERM:
        return None
    exact, prefix, ceiling = grades
    return _levels(db, book_ids, term.text, exact, prefix, ceiling, limit)


#: rows starting with a phrase that :func:`_phrase` reads; more: the full search
PHRASE_ROWS = 2000


def _phrase(db: Db, book_ids: Sequence[int], query: Query, limit: int
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
    in_books = in_("collection_id", list(book_ids))
    if db.rows(sql("SELECT item_id FROM contact_terms WHERE")
               + all_of(in_books, sql("field = ?", "email"), in_("term", words))
               + sql("LIMIT ?", 1)):
        return None
    starting = _starts(db, query.phrase)
    starts = column(db, sql("SELECT item_id FROM contact_terms WHERE")
                    + all_of(in_books, in_("field", list(PHRASE_FIELDS)), starting)
                    + sql("LIMIT ?", PHRASE_ROWS + 1))
    ids = sorted(set(starts))
    if len(ids) < limit or len(starts) > PHRASE_ROWS:  # too few, or not all of them read
        return None
    rows: dict[int, list[tuple[str, str]]] = {}
    people: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        people.update(column(db, sql("SELECT item_id FROM contact_cards WHERE") + all_of(
            in_("item_id", chunk), in_("collection_id", list(book_ids)),
            sql("is_group = ?", False))))
        holding = any_of(*[contains("term", w) for w in words])
        for item_id, field, value in db.rows(
                sql("SELECT item_id, field, term FROM contact_terms WHERE") + all_of(
                in_("item_id", chunk), in_books, sql("field != ?", "phone"), holding)):
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


def _starts(db: Db, text: str, name: str = "term") -> Sql:
    """Column ``name`` starts with ``text`` (or equals it), as a range on SQLite."""
    condition = starts_with(name, text)
    if db.dialect == "sqlite":  # a range the index can seek (LIKE cannot)
        condition = condition & sql(f"{name} >= ?", text) & sql(f"{name} < ?", text + _TOP)
    return condition


def _levels(db: Db, book_ids: Sequence[int], text: str, exact: dict[str, float],
            prefix: dict[str, float], ceiling: float, limit: int) -> dict[int, float] | None:
    """Score level by level, highest first: the cards holding a row of grade ``s``
    that no higher level placed score exactly ``s``; each level is read in name order
    only as far as the page needs (:func:`_level_head`)."""
    placed: dict[int, float] = {}
    for score in sorted({s for s in [*exact.values(), *prefix.values()] if s > ceiling},
                        reverse=True):
        need = limit - len(placed)
        found = _level_head(db, book_ids, text, placed, need,
                            [f for f, s in exact.items() if s == score],
                            [f for f, s in prefix.items() if s == score])
        placed.update((item_id, score) for item_id in found)
        if len(found) >= need:
            return placed
    return None


def _level_head(db: Db, book_ids: Sequence[int], text: str,
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
                keyed += _sorted(db, book_ids, field, text, equal, placed, need)
    rest_exact = [f for f in exact if not (sortable and f in SORTED_FIELDS)]
    rest_prefix = [f for f in prefix if not (sortable and f in SORTED_FIELDS)]
    if rest_exact or rest_prefix:
        rows, plain = _rows(db, book_ids, text, rest_exact, rest_prefix)
        if rows:  # none: a note level of a text with a space (no word holds one)
            keyed += _level(db, book_ids, rows, placed, need, plain)
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


def _sorted(db: Db, book_ids: Sequence[int], field: str, text: str, equal: bool,
            placed: dict[int, float], need: int) -> list[Keyed]:
    """The first ``need`` cards (not ``placed``) of each book holding a ``field`` term
    equal to ``text`` (``equal``) or starting with it and longer, in name order, from
    ``contact_sorted_terms``: an equal term is a seek whose entries come in that order,
    a prefix a range of covering entries sorted by SQL (a card may hold several: its
    rows are read until ``need`` distinct cards are found, or all of them)."""
    if equal:
        matching = sql("term = ?", text)
    else:
        matching = _starts(db, text) & sql("term != ?", text)
    found: list[Keyed] = []
    for book_id in book_ids:
        chosen = all_of(sql("field = ?", field), sql("collection_id = ?", book_id), matching)
        if placed:
            chosen = chosen & not_in("item_id", list(placed))
        wanted = need if equal else 4 * need
        while True:
            rows = db.rows(sql("SELECT item_id, sort_key, href FROM contact_sorted_terms WHERE")
                           + chosen + sql("ORDER BY sort_key, href, item_id LIMIT ?", wanted))
            cards = list(dict.fromkeys((r.sort_key, book_id, r.href, r.item_id) for r in rows))
            if len(cards) >= need or len(rows) < wanted:
                break
            wanted *= 4
        found += cards[:need]
    return found


def _rows(db: Db, book_ids: Sequence[int], text: str, exact: list[str],
          prefix: list[str]) -> tuple[list[Sql], Sql]:
    """The item ids of a level's rows: equal to ``text`` in ``exact`` fields, starting
    with it in ``prefix`` fields (each a seek on ``ix_contact_terms_field_term``; a note
    word of three characters or more through the trigram index); and the condition on
    one row."""
    parts: list[Sql] = []
    seeks: list[Sql] = []
    notes: list[Sql] = []
    if [f for f in exact if f != "note"]:
        seeks.append(in_("field", [f for f in exact if f != "note"]) & sql("term = ?", text))
    if [f for f in prefix if f != "note"]:
        seeks.append(in_("field", [f for f in prefix if f != "note"]) & _prefix(db, text))
    if "note" in exact:
        notes += _note_word(text)
    if "note" in prefix:
        notes += _note_word_start(text)
    for condition in seeks:
        parts.append(sql("SELECT item_id FROM contact_terms WHERE")
                     + (condition & in_("collection_id", list(book_ids))))
    for condition in notes:
        # a note word of three characters or more is inside a row of several words:
        # the trigram index narrows to the rows holding the text, the LIKE decides
        narrowed = (condition if len(text) < SHORT_NOTE_WORD
                    else trigram.narrowing(db, "contact_terms", text, condition))
        parts.append(sql("SELECT item_id FROM contact_terms WHERE")
                     + (narrowed & in_("collection_id", list(book_ids))))
    conditions = seeks + notes
    return parts, any_of(*conditions)


def _note_word(text: str) -> list[Sql]:
    """A ``note`` row holding the word ``text`` (:func:`search_terms.note_rows`: a short
    word is a row of its own, a longer one is among words joined by single spaces;
    no word holds a space, so a text with one is no note word)."""
    if " " in text:
        return []
    if len(text) < SHORT_NOTE_WORD:
        return [sql("field = ?", "note") & sql("term = ?", text)]
    return [sql("field = ?", "note") & any_of(
        sql("term = ?", text), starts_with("term", text + " "), ends_with("term", " " + text),
        contains("term", " " + text + " "))]


def _note_word_start(text: str) -> list[Sql]:
    """A ``note`` row holding a word that starts with ``text`` (or equals it: a card
    with an equal word scores higher and is placed by that level first)."""
    if " " in text:
        return []
    return [sql("field = ?", "note") & any_of(starts_with("term", text),
                                               contains("term", " " + text))]


#: a level with at most this many rows is read whole and sorted here; a larger one is
#: dense enough that walking the sort index finds a page after a few cards
SMALL_LEVEL = 2000


def _union(rows: list[Sql]) -> Sql:
    """The item ids of ``rows`` (SELECTs of one ``item_id`` column), as one SELECT."""
    if len(rows) == 1:
        return rows[0]
    united = rows[0]
    for part in rows[1:]:
        united = united + sql("UNION ALL") + part
    return united


def _level(db: Db, book_ids: Sequence[int], rows: list[Sql],
           placed: dict[int, float], need: int, plain: Sql | None = None) -> list[Keyed]:
    """Cards (not groups, not ``placed``) holding one of ``rows``: every one with a key
    up to the ``need``-th's and, per book, at least its first ``need`` in name order
    (sort key, href); all of them when fewer (:func:`_head` takes the page). A small
    level is read whole (its cards by key); a large one walks each book in its sort
    index order (SQLite checks each card against the set of ``rows`` it builds once),
    at most ``need`` cards a book; the first :data:`PROBE` cards of each book are tried
    one by one before (:func:`_probe`)."""
    ids = sql("(") + _union(rows) + sql(") AS level_ids")
    few = column(db, sql("SELECT level_ids.item_id FROM") + ids
                 + sql("LIMIT ?", SMALL_LEVEL + 1))
    if len(few) <= SMALL_LEVEL:
        wanted = sorted(set(few) - set(placed))
        found = sorted(
            (row.sort_key, row.collection_id, row.href, row.item_id)
            for start in range(0, len(wanted), _CHUNK)
            for row in db.rows(
                sql("SELECT item_id, collection_id, sort_key, href FROM contact_cards WHERE")
                + all_of(in_("item_id", wanted[start:start + _CHUNK]),
                         in_("collection_id", list(book_ids)), sql("is_group = ?", False))))
        if len(found) <= need:
            return found
        last = found[need - 1][0]
        return [row for row in found if row[0] <= last]
    if plain is not None:
        probed = _probe(db, book_ids, plain, placed, need)
        if probed is not None:
            return probed

    def query(book_id: int) -> Sql:
        chosen = all_of(sql("collection_id = ?", book_id), sql("is_group = ?", False),
                        sql("item_id IN (SELECT level_ids.item_id FROM") + ids + sql(")"))
        if placed:
            chosen = chosen & not_in("item_id", list(placed))
        return sql("SELECT item_id, sort_key, href FROM contact_cards WHERE") + chosen

    # a book's first ``need`` hold every card of it that the page can show, ties with
    # the last included (the final order of a tie is the book's path, then the href)
    return [(row.sort_key, book_id, row.href, row.item_id) for book_id in book_ids
            for row in db.rows(query(book_id) + sql("ORDER BY sort_key, href LIMIT ?", need))]


#: cards of a book tried one by one against a large level's rows (:func:`_probe`)
PROBE = 400


def _own_rows(db: Db) -> str:
    """The table a probed card's rows are read from, through its ``item_id`` index: for
    each card SQLite's planner took the seek of the level's condition on
    ``ix_contact_terms_field_term`` instead, reading all the level's rows (400 cards x
    10,000 note rows: 0.5-1 s for "00" at 10,000 cards; issue 19 round seven).
    PostgreSQL's planner chooses by its statistics."""
    if db.dialect == "sqlite":
        return "contact_terms INDEXED BY ix_contact_terms_item_id"
    return "contact_terms"


def _probe(db: Db, book_ids: Sequence[int], plain: Sql,
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
    found: list[tuple[str, int, str, int]] = []
    bounds: list[str] = []  # per book not probed to its end: its last probed card's key
    for book_id in book_ids:
        first = all_of(sql("collection_id = ?", book_id), sql("is_group = ?", False))
        if placed:
            first = first & not_in("item_id", list(placed))
        head = (sql("(SELECT item_id, sort_key, href FROM contact_cards WHERE") + first
                + sql("ORDER BY sort_key, href LIMIT ?) AS head", PROBE))
        holding = (sql(f"EXISTS (SELECT contact_terms.item_id FROM {_own_rows(db)} "
                       "WHERE contact_terms.item_id = head.item_id AND")
                   + sql("(") + plain + sql("))"))
        rows = db.rows(sql("SELECT head.item_id, head.sort_key, head.href,") + holding
                       + sql("AS hit FROM") + head + sql("ORDER BY head.sort_key, head.href"))
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


def _phone(db: Db, book_ids: Sequence[int], term: QueryTerm, limit: int
           ) -> dict[int, float]:
    """A phone term has two levels, both found through indexes: an equal key (10), then
    its digits within a number (1, through the trigram index). Each is read in name
    order as far as the page needs (:func:`_level`); when both run out, every match
    is placed, so the page is always settled."""
    phones = in_("collection_id", list(book_ids)) & sql("field = ?", "phone")
    levels: list[tuple[float, list[Sql], Sql | None]] = [
        (IDENTIFIER_EXACT, [sql("SELECT item_id FROM contact_terms WHERE")
                            + (phones & in_("term", sorted(term.phone_keys)))], None)]
    if len(term.digits) >= 3:
        digits = contains("term", term.digits)
        levels.append((SUBSTRING, [sql("SELECT item_id FROM contact_terms WHERE") + (
            phones & trigram.narrowing(db, "contact_terms", term.digits, digits))], digits))
    placed: dict[int, float] = {}
    for score, rows, plain in levels:
        need = limit - len(placed)
        found = _head(_level(db, book_ids, rows, placed, need,
                             None if plain is None else sql("field = ?", "phone") & plain),
                      need)
        placed.update((item_id, score) for item_id in found)
        if len(found) >= need:
            break
    return placed

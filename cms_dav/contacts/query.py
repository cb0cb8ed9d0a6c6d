"""Read side of the contact index: search, listings and finding one contact.

Every function takes the address books to look in (:func:`address_books` decides
which ones a user may see, through the same ACL as HTTP), so nothing here can
leak a card from a book the user cannot read.
"""

from __future__ import annotations

import heapq
import json
import time
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, Any, Collection, Iterable, Iterator, Sequence

from cms_dav.contacts import trigram
from cms_dav.contacts.card_fields import CardFields
from cms_dav.contacts.groups import members_of_group
from cms_dav.contacts.normalize import email_key, fold, looks_like_phone, phone_keys
from cms_dav.contacts.search_tiers import top_scores
from cms_dav.contacts.search_terms import (MAX_TERM, PHRASE_FIELDS, Query, QueryTerm,
                                           parse_query, score_terms)
from cms_dav.store.records import GENERATED_MARKER
from cms_dav.store.sql import Conn, Db, Sql, all_of, as_db, contains, in_, sql, starts_with

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy

_CHUNK = 500
#: a later query term reads the rows of at most this many items found so far, by id
_AMONG = 10 * _CHUNK


@dataclass(frozen=True)
class Book:
    id: int
    path: str


@dataclass(frozen=True)
class Contact:
    """One indexed card as listings and search results show it."""

    item_id: int
    book: str  # collection path, no slashes around
    href: str
    uid: str
    fn: str
    kind: str
    org: str
    nicknames: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    categories: tuple[str, ...]
    members: tuple[str, ...]
    last_contacted: float | None
    score: float = 0.0

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    def fields(self) -> CardFields:
        return CardFields(uid=self.uid, version="", kind=self.kind, fn=self.fn,
                          nicknames=list(self.nicknames), emails=list(self.emails),
                          phones=list(self.phones), categories=list(self.categories),
                          members=list(self.members), orgs=[self.org] if self.org else [])

    def as_dict(self) -> dict[str, object]:
        return {"name": self.fn, "org": self.org, "emails": list(self.emails),
                "phones": list(self.phones), "categories": list(self.categories),
                "collection": f"/{self.book}/", "href": self.href, "uid": self.uid,
                "score": round(self.score, 3)}


def address_books(conn: Conn, policy: "Policy", user: str | None,
                  need: str = "r") -> list[Book]:
    """Address books ``user`` may read (``need="r"``) or write ("w") by the App's ACL
    ``policy`` (the one HTTP uses); all of them without a user. Server-generated books
    (segments, :mod:`cms_dav.contacts.segments`) are left out: they hold copies."""
    rows = as_db(conn).rows(
        sql("SELECT id, path FROM collections WHERE")
        + all_of(sql("tag = ?", "VADDRESSBOOK"),  # segments hold copies: not counted twice
                 ~contains("props", GENERATED_MARKER))
        + sql("ORDER BY path"))
    books = [Book(row.id, row.path) for row in rows]
    if not user:
        return books
    return [b for b in books if need in policy.authorization(user, f"/{b.path}/").lower()]


#: the columns of ``contact_cards`` a :class:`Contact` is made of
_CARD_COLUMNS = ("item_id, collection_id, href, uid, fn, kind, org, nicknames, emails, "
                 "phones, categories, members, last_contacted")


def _contacts(db: Db, books: Sequence[Book], where: Sql | None = None) -> list[Contact]:
    paths = {b.id: b.path for b in books}
    if not paths:
        return []
    condition = in_("collection_id", list(paths))
    if where is not None:
        condition = condition & where
    return [_contact(row, paths) for row in db.rows(
        sql(f"SELECT {_CARD_COLUMNS} FROM contact_cards WHERE") + condition)]


def _contact(row: Any, paths: dict[int, str]) -> Contact:
    lists: dict[str, Any] = {name: tuple(json.loads(getattr(row, name)))
                             for name in ("nicknames", "emails", "phones", "categories",
                                          "members")}
    return Contact(item_id=row.item_id, book=paths[row.collection_id], href=row.href,
                   uid=row.uid, fn=row.fn or row.href, kind=row.kind, org=row.org,
                   last_contacted=row.last_contacted, **lists)


def _by_ids(db: Db, books: Sequence[Book], ids: Iterable[int]) -> list[Contact]:
    wanted = list(ids)
    found: list[Contact] = []
    for start in range(0, len(wanted), _CHUNK):
        found += _contacts(db, books, in_("item_id", wanted[start:start + _CHUNK]))
    return found


def contacts_by_ids(conn: Conn, books: Sequence[Book], ids: Iterable[int]
                    ) -> list[Contact]:
    """The indexed cards ``ids`` among ``books``, sorted by name (typed filters)."""
    return sorted(_by_ids(as_db(conn), books, ids), key=lambda c: (fold(c.fn), c.book, c.href))


def members(conn: Conn, books: Sequence[Book], name: str,
            among: Collection[int] | None = None) -> list[Contact]:
    """People in category or group ``name``, however a client recorded membership.

    Group cards only name members of their own address book. ``among``: only these item
    ids are asked about (the book's group cards are still read), so one card's
    membership costs O(group cards), not O(book) (segment upkeep on a write).
    """
    db = as_db(conn)
    found: list[Contact] = []
    only = (None if among is None else
            in_("item_id", list(among)) | sql("is_group = ?", True))
    for book in books:
        cards = _contacts(db, [book], only)
        fields = [c.fields() for c in cards]
        keep = {id(f) for f in members_of_group(fields, name)}
        found += [c for c, f in zip(cards, fields, strict=True) if id(f) in keep]
    return found


def list_contacts(conn: Conn, books: Sequence[Book], category: str | None = None,
                  group: str | None = None) -> list[Contact]:
    """Individual cards (group cards describe membership, they are not people)."""
    db = as_db(conn)
    people = [c for c in _contacts(db, books) if not c.is_group]
    for name in (category, group):
        if name is not None:
            wanted = {c.item_id for c in members(db, books, name)}
            people = [c for c in people if c.item_id in wanted]
    return sorted(people, key=lambda c: (fold(c.fn), c.book, c.href))


def page_contacts(conn: Conn, books: Sequence[Book], offset: int, limit: int
                  ) -> list[Contact]:
    """Individual cards in list order (folded name, book, href), ``limit`` of them from
    ``offset``: never the whole book (the web app's contacts page at 100,000 cards).

    Each book is read on its own in the order of its sort index (collection_id,
    sort_key, href), at most ``offset + limit`` rows, and the books are merged here:
    one query over several books would make SQLite sort every card of all of them."""
    if not books or limit <= 0:
        return []
    db = as_db(conn)
    paths = {b.id: b.path for b in books}
    wanted = offset + limit

    def rows_of(book_id: int) -> Iterator[Any]:
        return iter(db.rows(sql(
            f"SELECT {_CARD_COLUMNS}, sort_key FROM contact_cards "
            "WHERE collection_id = ? AND is_group = ? ORDER BY sort_key, href LIMIT ?",
            book_id, False, wanted)))

    merged = heapq.merge(*(rows_of(book_id) for book_id in sorted(paths)),
                         key=lambda row: (row.sort_key, row.collection_id, row.href))
    return [_contact(row, paths) for row in islice(merged, offset, wanted)]


def _term_condition(db: Db, term: QueryTerm) -> Sql:
    condition: Sql
    if term.kind == "phone":
        condition = in_("term", sorted(term.phone_keys))
        if len(term.digits) >= 3:
            condition = condition | trigram.narrowing(
                db, "contact_terms", term.digits, contains("term", term.digits))
        return sql("field = ?", "phone") & condition
    condition = trigram.narrowing(db, "contact_terms", term.text, contains("term", term.text))
    if term.kind == "email":
        return sql("field = ?", "email") & condition
    condition = condition & sql("field != ?", "phone")
    return condition & sql("field = ?", term.field) if term.field else condition


def _among(found: dict[int, list[tuple[str, str]]] | None) -> list[list[int] | None]:
    """How a later term reads its rows: among the items the earlier terms found, in
    chunks, while they are few enough that reading theirs beats a scan of the index
    (a short second word, "zhang w", at 100,000 cards); else everything (None)."""
    if found is None or len(found) > _AMONG:
        return [None]
    wanted = sorted(found)
    return [wanted[start:start + _CHUNK] for start in range(0, len(wanted), _CHUNK)]


_TERM_ROWS = "SELECT item_id, field, term FROM contact_terms WHERE"


def _matching_rows(db: Db, books: Sequence[Book], query: Query
                   ) -> dict[int, list[tuple[str, str]]]:
    """The index rows that can add to the score of items matching every query term.

    A row scores for a term only if it contains the term's text (phone terms: one of
    its keys, or its digits), which is exactly the SQL condition that picks candidates;
    the multi-word bonus needs rows that start with the phrase. So these rows rank an
    item exactly as all its rows would (:func:`score_terms`), without reading the rows
    that cannot match: a one-letter keystroke reads the rows holding that letter, not
    every row of every candidate (issue 16 item 5)."""
    ids = [b.id for b in books]
    found: dict[int, list[tuple[str, str]]] | None = None
    # longest first: usually the fewest rows, and later terms only look among its items
    for term in sorted(query.terms, key=lambda t: -len(t.text)):
        hits: dict[int, list[tuple[str, str]]] = {}
        where = in_("collection_id", ids) & _term_condition(db, term)
        # a term the trigram index narrows is read once and kept among ``found`` here:
        # in chunks of items, each chunk would match the whole FTS query again
        indexed = (term.kind != "phone"
                   and trigram.narrowed(db, "contact_terms", term.text) is not None)
        for among in ([None] if indexed else _among(found)):
            matched = db.rows(sql(_TERM_ROWS) + (
                where if among is None else where & in_("item_id", among)))
            for item_id, field, value in matched:
                if found is None or item_id in found:
                    hits.setdefault(item_id, []).append((field, value))
        if found is not None:
            for item_id, rows in hits.items():
                rows += found[item_id]
        found = hits
        if not found:
            return {}
    if found and len([t for t in query.terms if t.kind == "word" and not t.field]) > 1 \
            and query.phrase:
        phrase = (in_("collection_id", ids) & in_("field", PHRASE_FIELDS)
                  & starts_with("term", query.phrase))
        index = trigram.narrowed(db, "contact_terms", query.phrase)
        if len(found) <= _CHUNK:
            phrase = phrase & in_("item_id", sorted(found))
        elif index is not None:
            phrase = phrase & index
        for item_id, field, value in db.rows(sql(_TERM_ROWS) + phrase):
            if item_id in found:
                found[item_id].append((field, value))
    return found or {}


def _scores(db: Db, books: Sequence[Book], query: Query) -> dict[int, float]:
    scored = {item_id: score_terms(query, rows)
              for item_id, rows in _matching_rows(db, books, query).items()}
    return {item_id: value for item_id, value in scored.items() if value > 0}


@dataclass(frozen=True)
class _Ranked:
    """What ranking and the filters need of a card, without decoding its JSON lists."""

    item_id: int
    order: tuple[float, str, str, str]  # -score, folded name, book, href
    org: str
    last_contacted: float | None


def _ranked(db: Db, books: Sequence[Book], scores: dict[int, float],
            limit: int | None = None) -> list[_Ranked]:
    """What ranking needs of the scored cards; with ``limit``, only of the best-scored
    (every card scoring at least the ``limit``-th best score, more when groups or other
    books' items leave fewer than ``limit``): 3,650 matches of "zhang w" at 100,000
    cards need the names of a few dozen."""
    if limit is None or len(scores) <= limit:
        return _ranked_all(db, books, scores)
    by_score = sorted(scores.items(), key=lambda pair: -pair[1])
    taken = 0
    found: list[_Ranked] = []
    while taken < len(by_score) and len(found) < limit:
        end = min(taken + limit, len(by_score))
        cut = by_score[end - 1][1]
        while end < len(by_score) and by_score[end][1] == cut:  # the whole tie
            end += 1
        found += _ranked_all(db, books, dict(by_score[taken:end]), scores)
        taken = end
    return found


def _ranked_all(db: Db, books: Sequence[Book], wanted_scores: dict[int, float],
                scores: dict[int, float] | None = None) -> list[_Ranked]:
    scores = wanted_scores if scores is None else scores
    paths = {b.id: b.path for b in books}
    wanted = sorted(wanted_scores)
    found: list[_Ranked] = []
    for start in range(0, len(wanted), _CHUNK):
        for row in db.rows(sql(
                "SELECT item_id, collection_id, href, fn, sort_key, org, last_contacted "
                "FROM contact_cards WHERE") + all_of(
                in_("collection_id", list(paths)), sql("is_group = ?", False),
                in_("item_id", wanted[start:start + _CHUNK]))):
            # sort_key is the folded name, cut at MAX_TERM: fold again only if it was cut
            name = (row.sort_key if len(row.sort_key) < MAX_TERM
                    else fold(row.fn or row.href))
            found.append(_Ranked(row.item_id, (-scores[row.item_id], name,
                                               paths[row.collection_id], row.href),
                                 row.org, row.last_contacted))
    return found


def search(conn: Conn, books: Sequence[Book], text: str, default_region: str = "",
           category: str | None = None, org: str | None = None,
           not_contacted_for: float | None = None, limit: int | None = None) -> list[Contact]:
    """Ranked matches for ``text``; raises ContactError for an empty or unreadable query.

    ``not_contacted_for`` (seconds): keep people with no interaction that recent.
    Ranking and filtering read a few columns of each match; only the ``limit`` shown
    are read whole.
    """
    db = as_db(conn)
    query = parse_query(text, default_region)
    scores = None
    if limit and category is None and org is None and not_contacted_for is None:
        # a one-term page settled by the exact and prefix rows (a keystroke at 100k)
        scores = top_scores(db, [b.id for b in books], query, limit)
    if scores is None:
        scores = _scores(db, books, query)
    found = _ranked(db, books, scores, limit if category is None and org is None
                    and not_contacted_for is None else None)
    if category is not None:
        wanted = {c.item_id for c in members(db, books, category)}
        found = [c for c in found if c.item_id in wanted]
    if org is not None:
        found = [c for c in found if fold(org) in fold(c.org)]
    if not_contacted_for is not None:
        cutoff = time.time() - not_contacted_for
        found = [c for c in found if c.last_contacted is None or c.last_contacted < cutoff]
    found.sort(key=lambda c: c.order)
    shown = found[:limit] if limit else found
    cards = {c.item_id: c for c in _by_ids(db, books, [r.item_id for r in shown])}
    return [_with_score(cards[r.item_id], scores[r.item_id]) for r in shown]


def _with_score(contact: Contact, value: float) -> Contact:
    return replace(contact, score=value)


def find_contact(conn: Conn, books: Sequence[Book], reference: str,
                 default_region: str = "") -> list[Contact]:
    """Cards that ``reference`` names: by UID, else e-mail, phone or exact name.

    More than one result means the reference is ambiguous; the caller lists them.
    """
    reference = reference.strip()
    if not reference:
        return []
    db = as_db(conn)
    by_uid = _contacts(db, books, sql("uid = ?", reference))
    if by_uid:
        return by_uid
    if "@" in reference:
        condition = sql("field = ?", "email") & sql("term = ?", email_key(reference))
    elif looks_like_phone(reference):
        keys = sorted(phone_keys(reference, default_region))
        condition = sql("field = ?", "phone") & in_("term", keys)
    else:
        condition = in_("field", ["name", "pinyin"]) & sql("term = ?", fold(reference))
    ids = [b.id for b in books]
    rows = db.rows(sql("SELECT DISTINCT item_id FROM contact_terms WHERE")
                   + (in_("collection_id", ids) & condition))
    found = _by_ids(db, books, [row[0] for row in rows])
    return sorted((c for c in found if not c.is_group), key=lambda c: (c.book, c.href))

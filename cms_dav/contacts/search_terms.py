"""Search index rows for a card, and ranking of cards against a query.

Index side: :func:`index_terms` turns a card's fields into ``(field, term)`` rows,
every term already normalized, so the store can keep them in one table inside
the card's write transaction.

Matching rules (query side, :func:`parse_query` and :func:`score`):

- Words are compared after :func:`normalize.fold`: case- and accent-insensitive
  ("lukasz wojcik" finds "Łukasz Wójcik"). Chinese names are indexed in pinyin too,
  whole ("zhangwei", "zhang wei"), as syllables ("zhang", "wei") and as initials ("zw").
- A query that looks like a phone number (digits with ``+ - ( ) . /`` and spaces) is
  one phone term: it matches a card when their :func:`normalize.phone_keys` meet
  (so "+48 600 100 200", "600-100-200" and "0048600100200" are the same number),
  or, ranked low, when its digits are a substring of a stored number. A token of a
  ``+`` and fewer digits (``+``, ``+4``, ``+48``: the first keystrokes of a number) is a
  phone term too, not a word: it finds nothing until it is a number, instead of a
  substring scan of every word for a ``+``.
- A token containing '@' is an e-mail term, compared lower-cased.
- ``field:value`` restricts a term to one index field (``org:acme``, ``category:vip``);
  double quotes keep several words together as one term.
- Every term must match (AND). Per term the best match counts, weighted by field:
  exact (3) > prefix (2) > substring (1); an exact phone or e-mail match scores 10,
  above any word match. A multi-word query that equals or starts a whole name,
  pinyin form or organisation earns a bonus, so "zhang wei" ranks 张伟 first.
  ``score`` returns 0.0 for "no match": the store drops those.

The store can pick candidates cheaply with SQL before ranking: for every query
term, some row whose term contains the term's text (phone terms: any of its keys,
or its digits). :func:`score_terms` then ranks from the rows alone, without
re-reading the card.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Iterable

from cms_dav.contacts.card_fields import CardFields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.normalize import email_key, fold, looks_like_phone, phone_keys, pinyin_keys

FIELDS = ("name", "org", "title", "email", "phone", "category", "city", "country", "note", "pinyin")
WORD_FIELDS = tuple(f for f in FIELDS if f != "phone")
FIELD_WEIGHT = {"name": 1.0, "pinyin": 0.9, "email": 0.8, "org": 0.8, "category": 0.7,
                "title": 0.6, "city": 0.6, "country": 0.6, "note": 0.4, "phone": 1.0}
EXACT, PREFIX, SUBSTRING, IDENTIFIER_EXACT = 3.0, 2.0, 1.0, 10.0
PHRASE_FIELDS = ("name", "pinyin", "org")
#: PostgreSQL btree entries must stay small; longer terms are cut (here, with the terms,
#: so that the search side needs no import of the index writer and its vobject)
MAX_TERM = 500
#: the fields whose level cards cluster in the list order (names, pinyin of Chinese
#: names): ``contact_sorted_terms`` keeps their rows (:mod:`cms_dav.contacts.search_order`)
SORTED_FIELDS = ("name", "pinyin")
#: ``contact_sorted_terms`` keeps terms up to this many characters; a longer search text
#: uses the other path
SORTED_TERM = 64
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
#: "+", "+4", "+48 ": a number being typed (looks_like_phone wants three digits)
_PHONE_START = re.compile(r"\+[\d\s().\-/]*")
_EDGE_PUNCTUATION = ".,;:!?()[]{}\"'"


def _with_words(value: str) -> list[str]:
    """A folded value and, if it has several words, each word."""
    folded = fold(value)
    words = _WORD.findall(folded)
    return [folded] + (words if len(words) > 1 else []) if folded else []


def index_terms(fields: CardFields, default_region: str = "") -> list[tuple[str, str]]:
    """The (field, normalized term) rows of one card, without duplicates, stable order."""
    rows: list[tuple[str, str]] = []
    family, given = (fields.n + ("", ""))[:2]
    names = [fields.fn, f"{given} {family}", f"{family} {given}", *fields.nicknames,
             *(c for c in fields.n if c)]
    for name in names:
        rows += [("name", t) for t in _with_words(name)]
    for source in [fields.fn, family + given, *fields.nicknames]:
        for key in sorted(pinyin_keys(source)):
            rows += [("pinyin", t) for t in _with_words(key)]
    rows += [("org", t) for org in fields.orgs for t in _with_words(org)]
    rows += [("title", t) for title in fields.titles for t in _with_words(title)]
    rows += [("email", email_key(e)) for e in fields.emails if email_key(e)]
    rows += [("phone", k) for p in fields.phones for k in sorted(phone_keys(p, default_region))]
    rows += [("category", fold(c)) for c in fields.categories if fold(c)]
    rows += [("city", fold(c)) for c in fields.cities if fold(c)]
    rows += [("country", fold(c)) for c in fields.countries if fold(c)]
    words = dict.fromkeys(w for note in fields.notes for w in _WORD.findall(fold(note)))
    rows += note_rows(list(words))
    return list(dict.fromkeys(rows))


#: note words shorter than this have no trigram: each is a row of its own (an equal
#: term is then a seek); the longer ones share rows (:func:`note_rows`)
SHORT_NOTE_WORD = 3


def note_rows(words: list[str]) -> list[tuple[str, str]]:
    """The ``note`` rows of a card's distinct note words: each short word alone, the
    others joined by single spaces into rows of at most :data:`MAX_TERM` characters.
    A bench card's notes were 32 rows of its ~53 (issue 19: a PUT's index rows); a
    word never holds a space (:data:`_WORD`), so :func:`note_words` gives them back and
    the trigram index finds a word's substrings in its row as before."""
    rows = [("note", w) for w in words if len(w) < SHORT_NOTE_WORD]
    line: list[str] = []
    size = 0
    for word in (w for w in words if len(w) >= SHORT_NOTE_WORD):
        extra = len(word) + (1 if line else 0)
        if line and size + extra > MAX_TERM:
            rows.append(("note", " ".join(line)))
            line, size, extra = [], 0, len(word)
        line.append(word)
        size += extra
    if line:
        rows.append(("note", " ".join(line)))
    return rows


def note_words(term: str) -> list[str]:
    """The words of a ``note`` row (:func:`note_rows`)."""
    return term.split(" ")


@dataclass(frozen=True)
class QueryTerm:
    """One thing every result must match."""

    text: str  # normalized: folded words, lower-cased e-mail, or the typed number
    kind: str  # "word", "phone" or "email"
    field: str | None = None  # restriction from "field:value"
    phone_keys: frozenset[str] = frozenset()

    @property
    def digits(self) -> str:
        return "".join(c for c in self.text if c.isdigit())


@dataclass(frozen=True)
class Query:
    raw: str
    terms: tuple[QueryTerm, ...]
    phrase: str  # the whole query folded, for the multi-word bonus
    default_region: str = ""


def _term(token: str, default_region: str) -> QueryTerm:
    field = None
    name, sep, rest = token.partition(":")
    if sep and name.lower() in FIELDS and rest.strip():
        field, token = name.lower(), rest
    if "@" in token and field in (None, "email"):
        return QueryTerm(email_key(token), "email", field)
    if (looks_like_phone(token) or _PHONE_START.fullmatch(token.strip())) \
            and field in (None, "phone"):
        return QueryTerm(token.strip(), "phone", field,
                         frozenset(phone_keys(token, default_region)))
    folded = fold(token).strip(_EDGE_PUNCTUATION)
    if not folded:
        raise ContactError(f"search term {token!r} has nothing to search for")
    return QueryTerm(folded, "word", field)


def parse_query(q: str, default_region: str = "") -> Query:
    """Parse what a user typed; raises ContactError for an empty or unbalanced query."""
    if not q or not q.strip():
        raise ContactError("empty search query")
    if looks_like_phone(q):  # "138 0013 8000" is one number, not three words
        return Query(q, (_term(q, default_region),), fold(q), default_region)
    try:
        tokens = shlex.split(q)
    except ValueError as exc:
        raise ContactError(f"cannot read search query {q!r}: {exc}") from None
    terms = tuple(_term(t, default_region) for t in tokens if t.strip())
    if not terms:
        raise ContactError("empty search query")
    phrase = fold(" ".join(t.text for t in terms if t.kind == "word"))
    return Query(q, terms, phrase, default_region)


def _grade(needle: str, term: str) -> float:
    if term == needle:
        return EXACT
    if term.startswith(needle):
        return PREFIX
    return SUBSTRING if needle in term else 0.0


def _term_score(qt: QueryTerm, rows: list[tuple[str, str]]) -> float:
    best = 0.0
    for field, term in rows:
        if qt.field and field != qt.field:
            continue
        if qt.kind == "phone":
            if field != "phone":
                continue
            if term in qt.phone_keys:
                return IDENTIFIER_EXACT
            grade = SUBSTRING if len(qt.digits) >= 3 and qt.digits in term else 0.0
        elif qt.kind == "email":
            if field != "email":
                continue
            grade = IDENTIFIER_EXACT if term == qt.text else _grade(qt.text, term)
        else:
            if field == "phone":
                continue
            grade = (max(_grade(qt.text, word) for word in note_words(term))
                     if field == "note" else _grade(qt.text, term))
            if field == "email" and grade == EXACT:
                grade = IDENTIFIER_EXACT
            grade *= FIELD_WEIGHT[field]
        best = max(best, grade)
    return best


def score_terms(query: Query, rows: Iterable[tuple[str, str]]) -> float:
    """Rank a card from its index rows: 0.0 when some query term does not match."""
    rows = list(rows)
    total = 0.0
    for qt in query.terms:
        got = _term_score(qt, rows)
        if got == 0.0:
            return 0.0
        total += got
    words = [t for t in query.terms if t.kind == "word" and not t.field]
    if len(words) > 1 and query.phrase:
        phrase_grades = [_grade(query.phrase, term) for field, term in rows
                         if field in PHRASE_FIELDS]
        total += max([g for g in phrase_grades if g >= PREFIX], default=0.0)
    return total


def score(query: Query, fields: CardFields) -> float:
    """Rank one card (see the module docstring); 0.0 means "not a match"."""
    return score_terms(query, index_terms(fields, query.default_region))

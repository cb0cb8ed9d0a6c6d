"""Write side of ``contact_sorted_terms``: a card's name and pinyin terms next to its list
order (issue 16 item 5, every keystroke under 100 ms at 100,000 contacts).

A search level is read in name order as far as its page needs
(:mod:`cms_dav.contacts.search_tiers`). Walking a book's sort index against a level's
rows is cheap when the level's cards are spread over the book, but a name or pinyin
level is not: every Chinese name sorts after every Latin one, so the pinyin cards of
``zh`` came after 70,000 others; and the cards whose *first* name starts with ``za``
all sort near the end of the alphabet. This table keeps those two fields' rows with
the card's ``sort_key`` and ``href``, keyed (field, book, term, sort key, href): an equal
term yields its cards in name order by a seek, a prefix by a range of covering entries.

Group cards are left out (a level holds people only); terms are cut at
:data:`SORTED_TERM` characters (PostgreSQL's btree entry limit), so the search reads
this table only for shorter texts.
"""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import Connection

# defined with the terms, so that the search side needs no import of this writer
from cms_dav.contacts.search_terms import SORTED_FIELDS, SORTED_TERM
from cms_dav.store.raw import RawStatement
from cms_dav.store.schema import contact_sorted_terms


#: the columns of a sorted row (``index_store.write_many``), in the order they are given
COLUMNS = ("field", "collection_id", "term", "sort_key", "href", "item_id")


def kept_terms(card: dict[str, object], terms: Sequence[tuple[str, str]]
               ) -> list[tuple[str, str]]:
    """The (field, term) pairs of a card's sorted rows (:data:`COLUMNS`), from its
    contact_cards values ``card`` (only whether it is a group and was read) and its
    search ``terms``: a function of the card alone, so an import's worker makes it."""
    if card.get("is_group") or not card.get("fields_ok"):
        return []
    return list(dict.fromkeys((f, t[:SORTED_TERM]) for f, t in terms if f in SORTED_FIELDS))


_INSERT = RawStatement(contact_sorted_terms.insert())


def insert_tuples(conn: Connection, found: list[tuple[object, ...]]) -> None:
    """Insert sorted rows, tuples of :data:`COLUMNS` (of one card or many)."""
    _INSERT.execute_tuples(conn, COLUMNS, found)

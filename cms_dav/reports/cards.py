"""Page through the stored cards of some address books, in bounded memory.

Keyset pages of ``PAGE`` items (by item id) joined with the search index row
(``contact_cards``): one page of texts is in memory at a time, whatever the size of
the book. Each card is read with :func:`cms_dav.contacts.card_fields.extract_fields`,
the reader the search index uses, so the report counts what search finds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator, Sequence

from sqlalchemy import Connection, select

from cms_dav.contacts.card_fields import CardFields, extract_fields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.query import Book
from cms_dav.reports.created import CreationTimes
from cms_dav.store.schema import contact_cards, items

PAGE = 500


@dataclass(frozen=True)
class StoredCard:
    """One stored card: where it is, its text, and what the contacts layer read from it."""

    book: str  # "/alice/contacts/"
    href: str
    text: str
    created: datetime
    fields: CardFields | None  # None: the card cannot be read
    indexed_name: str  # the search index's display name ("" when not indexed)

    @property
    def name(self) -> str:
        if self.fields is not None:
            return self.fields.display_name
        return self.indexed_name or self.href

    @property
    def is_group(self) -> bool:
        return self.fields is not None and self.fields.is_group


def _page(conn: Connection, book: Book, after: int) -> list[tuple[int, str, str, float, str]]:
    query = (select(items.c.id, items.c.href, items.c.text, items.c.modified_at,
                    contact_cards.c.fn)
             .select_from(items.outerjoin(contact_cards, contact_cards.c.item_id == items.c.id))
             .where(items.c.collection_id == book.id, items.c.name == "VCARD",
                    items.c.id > after)
             .order_by(items.c.id).limit(PAGE))
    return [(r.id, r.href, r.text, r.modified_at, r.fn or "") for r in conn.execute(query)]


def stored_cards(conn: Connection, books: Sequence[Book]) -> Iterator[StoredCard]:
    """Every vCard of ``books``, book by book, page by page."""
    for book in books:
        created = CreationTimes(conn, book.path)
        after = 0
        while True:
            page = _page(conn, book, after)
            if not page:
                break
            for _ident, href, text, modified_at, indexed_name in page:
                try:
                    fields: CardFields | None = extract_fields(text)
                except ContactError:
                    fields = None
                when = datetime.fromtimestamp(created.of(href, modified_at), timezone.utc)
                yield StoredCard(f"/{book.path}/", href, text, when, fields, indexed_name)
            after = page[-1][0]

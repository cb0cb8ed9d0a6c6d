"""Keeps the custom field index (``contact_field_values``) in step with every write.

:class:`FieldIndexHook` is a ``cms_dav.store.store.WriteHook`` that
:func:`cms_dav.app.build_app` gives the App's store, so the index changes in the
card's write transaction. Values are indexed as written and, when they read as
one, as a number and as a date: the index does not depend on the fields file, so
an edit of that file needs no reindex, and a query compares with the column of
the field's current type (numbers as numbers, dates as dates).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, delete

from cms_dav.contacts import index_store
from cms_dav.contacts.custom_fields import card_field_values
from cms_dav.contacts.field_defs import date_of, number_of
from cms_dav.contacts.prepared import PARSES_LIMIT, PreparedWork
from cms_dav.contacts.vcard_lines import CardParses
from cms_dav.store.raw import RawStatement
from cms_dav.store.records import CollectionRecord, ItemRecord
from cms_dav.store.schema import contact_field_values

MAX_FOLDED = 500  # PostgreSQL btree entries must stay small
_INSERT = RawStatement(contact_field_values.insert())
_DELETE = RawStatement(delete(contact_field_values).where(
    contact_field_values.c.item_id == bindparam("item_id")))


def field_rows(text: str, parses: CardParses | None = None) -> list[dict[str, object]]:
    """The index rows (without ids) of one card's field values; ``parses``: the
    write's parses (:class:`~.vcard_lines.CardParses`)."""
    return [{"field": key[:64], "text": value, "folded": value.casefold()[:MAX_FOLDED],
             "number": number_of(value), "day": date_of(value)}
            for key, value in card_field_values(text, parses).items()]


class FieldIndexHook:
    """Indexes the custom fields of vCards; calendar items are ignored."""

    def __init__(self) -> None:
        #: the line parses an upload filter made of the text it stores, by that text
        #: (``ContactUploadFilter.hand_to``): the rows are read from them
        self.parses: PreparedWork[CardParses] = PreparedWork(limit=PARSES_LIMIT)

    def item_written(self, conn: Connection, collection: CollectionRecord,
                     new: ItemRecord, old: ItemRecord | None) -> None:
        self.items_written(conn, collection, [(new, old)])

    def items_written(self, conn: Connection, collection: CollectionRecord,
                      written: Sequence[tuple[ItemRecord, ItemRecord | None]]) -> None:
        """:meth:`item_written` of several writes: one delete and one insert for them
        all (``Store.put_items``); an item written twice keeps its last values."""
        last: dict[int, ItemRecord] = {}
        stale: set[int] = set()
        for new, old in written:
            ident = index_store.written_id(conn, collection.id, new)
            if ident is not None:
                last.pop(ident, None)
                last[ident] = new
                if old is not None or new.id is None:
                    stale.add(ident)
        if not last:
            return
        # an item the write inserted (its id from the insert, no old version) has no
        # rows yet: a new card's PUT skips the delete (issue 19); a record read back
        # from the items (reindex) may have rows
        _DELETE.execute_many(conn, [{"item_id": ident} for ident in last if ident in stale])
        rows = [{**row, "item_id": ident, "collection_id": collection.id}
                for ident, new in last.items()
                if new.name.upper() == "VCARD" and new.text is not None
                for row in field_rows(new.text, self.parses.take(new.text))]
        _INSERT.execute_many(conn, rows)

    def item_deleted(self, conn: Connection, collection: CollectionRecord,
                     old: ItemRecord) -> None:
        """The FK cascade removes the rows with the item; nothing else to do."""

"""Keeps the contact index in step with every write, and rebuilds it on demand.

:class:`SearchIndexHook` is a ``cms_dav.store.store.WriteHook`` that
:func:`cms_dav.app.build_app` gives the App's store; it runs inside the store's write
transaction, so the index can never disagree with the items after a commit (or a crash).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from cms_dav.contacts import index_store
from cms_dav.contacts.card_work import CardWork
from cms_dav.contacts.prepared import PARSES_LIMIT, PreparedWork
from cms_dav.contacts.vcard_lines import CardParses
from cms_dav.store import collections, fts, paths
from cms_dav.store import items as item_rows
from cms_dav.store.records import CollectionRecord, ItemData, ItemRecord
from cms_dav.store.schema import collections as collection_rows
from cms_dav.store.schema import contact_cards, items
from cms_dav.store.store import Store


class SearchIndexHook:
    """Indexes vCards; calendar items are ignored."""

    def __init__(self, default_region: str = "") -> None:
        #: ISO 3166 region for phones typed without "+" (Settings.default_region)
        self.default_region = default_region
        #: analyses made before the write lock (:meth:`prepare`), taken by the write
        self.prepared: PreparedWork[index_store.CardIndex] = PreparedWork()
        #: the line parses an upload filter made of the text it stores, by that text
        #: (``ContactUploadFilter.hand_to``): the analysis reads them, not the text again
        self.parses: PreparedWork[CardParses] = PreparedWork(limit=PARSES_LIMIT)
        #: analyses made ahead from the text alone (:meth:`take_ahead`), by (text, region)
        self.ahead: PreparedWork[index_store.CardIndex] = PreparedWork(limit=PARSES_LIMIT)

    def take_ahead(self, work: CardWork) -> None:
        """Keep ``work``'s analysis (made in an import's worker) for a write that stores
        exactly its text, when it was made with this hook's region."""
        if work.index is not None:
            self.ahead.put((work.text, work.region), work.index, weight=2 * len(work.text))

    def prepare(self, collection: CollectionRecord, href: str, data: ItemData) -> None:
        """Analyse the card a write will store, before its lock (:mod:`.prepared`)."""
        if data.name.upper() != "VCARD":
            return
        where = f"/{paths.join(collection.path, href)}"
        tree = data.parsed.of(data.text) if data.parsed is not None else None
        # the analysis holds the card's values and terms: about the text's size again
        self.prepared.put((data.text, where), index_store.analyse(
            data.text, self.default_region, where, tree, data.parsed,
            self.parses.take(data.text)), weight=2 * len(data.text))

    def item_written(self, conn: Connection, collection: CollectionRecord,
                     new: ItemRecord, old: ItemRecord | None) -> None:
        self.items_written(conn, collection, [(new, old)])

    def items_written(self, conn: Connection, collection: CollectionRecord,
                      written: Sequence[tuple[ItemRecord, ItemRecord | None]]) -> None:
        """:meth:`item_written` of several writes, in order: the index rows of them all
        in one statement per table (``Store.put_items``)."""
        writes: list[index_store.IndexWrite] = []
        for new, old in written:
            ident = index_store.written_id(conn, collection.id, new)
            if ident is None:
                continue
            if new.name.upper() != "VCARD" or new.text is None:
                index_store.write_many(conn, writes)
                writes = []
                index_store.drop(conn, [ident])
                continue
            where = f"/{paths.join(collection.path, new.href)}"
            index = self.prepared.take((new.text, where)) \
                or self.ahead.take((new.text, self.default_region))
            if index is None:
                tree = new.parsed.of(new.text) if new.parsed is not None else None
                index = index_store.analyse(new.text, self.default_region, where, tree,
                                            new.parsed, self.parses.take(new.text))
            writes.append(index_store.IndexWrite(ident, collection.id, new.href, new.etag,
                                                 index, fresh=old is None))
        index_store.write_many(conn, writes)

    def item_deleted(self, conn: Connection, collection: CollectionRecord,
                     old: ItemRecord) -> None:
        # The items row is gone and the FK cascade removed its index rows; this
        # sweeps up after a backend without enforced foreign keys.
        stale = [row.item_id for row in conn.execute(
            select(contact_cards.c.item_id).where(
                contact_cards.c.collection_id == collection.id,
                contact_cards.c.href == old.href))]
        if stale:
            index_store.drop(conn, stale)


def reindex(store: Store, default_region: str, path: str = "") -> int:
    """Rebuild the index of every address book at or below ``path``; returns cards indexed.

    One transaction per address book, so a large store never holds one huge lock; the
    SQLite trigram tables are fed with the rows, and a full reindex first rebuilds them
    from the rows they index, whatever they held.
    """
    prefix = paths.strip(path) if path else ""
    if not prefix:  # first: the rows' deletes below need the trigram tables in step
        with store.writing() as conn:
            fts.rebuild(conn)
    with store.reading() as conn:
        query = select(collection_rows.c.path).where(collection_rows.c.tag == "VADDRESSBOOK")
        books = [p for (p,) in conn.execute(query)
                 if not prefix or p == prefix or p.startswith(prefix + "/")]
    # the store's own hooks (search and field index) when it has any
    hooks = list(store.write_hooks) or [SearchIndexHook(default_region)]
    count = 0
    for book in sorted(books):
        with store.writing() as conn:
            record = collections.get(conn, book)
            if record is None:
                continue
            ids = [i for (i,) in conn.execute(select(items.c.id).where(
                items.c.collection_id == record.id))]
            index_store.drop(conn, ids)
            for item in list(item_rows.iter_all(conn, record.id)):
                for hook in hooks:
                    hook.item_written(conn, record, item, None)
                count += 1
    return count

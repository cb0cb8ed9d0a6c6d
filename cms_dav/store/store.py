"""The store facade: the one door through which the DAV plugin and the CLI touch data.

Each write is one transaction that changes the item, the change log, the history,
the audit trail and whatever the store's write hooks maintain (search index...).
The hooks and upload filters are constructor arguments (:func:`cms_dav.app.build_app`
passes the domain ones), so what a write does depends on the store, never on what ran
earlier in the process.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Collection, Iterable, Iterator, Mapping, Protocol, Sequence

from sqlalchemy import Connection, Engine, select
from sqlalchemy import delete as sql_delete

from cms_dav.config import Limits
from cms_dav.limits.item_text import check_item_text
from cms_dav.memo import Memo, remembered
from cms_dav.store import (audit, collections, derived, fts, items, locks, lookups, paths,
                           preferences, quota, raw, resolved, segment_table, sync, sync_pages)
from cms_dav.store.change_feed import ChangeFeed
from cms_dav.store.durability import DeferredSync, GroupSync
from cms_dav.store.engine import open_engine, read_tx, write_tx
from cms_dav.store.records import (CollectionRecord, ItemData, ItemRecord, OriginOf,
                                   WriteOrigin, WriteResult, unknown_origin)
from cms_dav.store.share_cleanup import forget_shares_under
from cms_dav.store.schema import meta, trash_collections

#: texts :meth:`Store.offer_ahead` keeps as checked at most: more than a ``cms-dav
#: import`` batch (500 rows, offered before the batch's write takes them); the texts
#: themselves are the rows' own, held anyway until their write
CHECKED_AHEAD = 1024


class WriteHook(Protocol):
    """Maintains derived data (search index...) inside the write transaction."""

    def item_written(self, conn: Connection, collection: CollectionRecord,
                     new: ItemRecord, old: ItemRecord | None) -> None: ...

    def item_deleted(self, conn: Connection, collection: CollectionRecord,
                     old: ItemRecord) -> None: ...


class UploadFilter(Protocol):
    """Rewrites an upload before it is stored, e.g. to keep interaction notes a client
    dropped. Returns the data to store (the same object when unchanged).

    ``actor`` is who writes (the request's authenticated user, the CLI's ``--user``);
    ``attested`` says the text was made by the server from stored data (``notes`` ops,
    trash restore, dedupe) rather than sent by a client, so its history is taken as is.
    """

    def __call__(self, conn: Connection, collection: CollectionRecord,
                 old: ItemRecord | None, data: ItemData, *, actor: str,
                 attested: bool) -> ItemData: ...


class NotFound(ValueError):
    pass


@dataclass
class Store:
    engine: Engine
    token_days: int = 30
    #: ``[limits]``: item size/shape and quotas, checked inside every write
    limits: Limits = field(default_factory=Limits)
    #: derived data kept in step inside every write transaction (search index...)
    write_hooks: Sequence[WriteHook] = ()
    #: rewrite an upload before it is stored (keep interaction notes a client dropped)
    upload_filters: Sequence[UploadFilter] = ()
    #: the origin (door, address, method) of a write by ``actor``, for the audit trail and
    #: history; each door's App wires its own (``cms_dav.app.build_app``)
    origin_of: OriginOf = unknown_origin
    #: told of every change with its origin, inside the write transaction (the outbox)
    change_feeds: Sequence[ChangeFeed] = ()
    #: :meth:`put_items` writes new items together (:class:`items.NewItems`); False:
    #: one by one, as :meth:`put_item` (the reference its differential test compares)
    group_inserts: bool = True
    #: the shared WAL fsync of this store's SQLite file, for ``locked(..., defer_sync=True)``
    #: (built by :func:`cms_dav.app.build_app`; None: every commit syncs itself)
    group_sync: GroupSync | None = None
    #: per thread: how deep inside ``locked`` we are (the lock is held once), and the
    #: outermost ``locked``'s :class:`DeferredSync` if it deferred the WAL fsync
    _lock_held: threading.local = field(default_factory=threading.local, init=False,
                                        repr=False, compare=False)
    #: per thread: the open transaction of ``batch``, if any
    _batch: threading.local = field(default_factory=threading.local, init=False,
                                    repr=False, compare=False)
    #: per thread: the text :meth:`prepare_put` found within ``limits`` (the object)
    _checked: threading.local = field(default_factory=threading.local, init=False,
                                      repr=False, compare=False)
    #: vCard texts an import's worker found within ``limits`` (:meth:`offer_ahead`),
    #: oldest first, each taken by :meth:`put_items`' write of that text
    _checked_ahead: dict[str, None] = field(default_factory=dict, init=False,
                                            repr=False, compare=False)
    _checked_ahead_lock: threading.Lock = field(default_factory=threading.Lock,
                                                init=False, repr=False, compare=False)

    @classmethod
    def open(cls, url: str, token_days: int = 30, limits: Limits | None = None, *,
             write_hooks: Sequence[WriteHook] = (),
             upload_filters: Sequence[UploadFilter] = (),
             origin_of: OriginOf = unknown_origin,
             change_feeds: Sequence[ChangeFeed] = ()) -> "Store":
        """A store on a new engine for ``url``, migrated to the current schema.

        Plumbing only: without hooks nothing derived (search index) is maintained.
        Servers and the CLI take the store of :func:`cms_dav.app.build_app` instead."""
        from cms_dav.store.migrate import upgrade_to_head  # alembic: only where it migrates

        engine = open_engine(url)
        upgrade_to_head(engine)
        return cls(engine, token_days, limits or Limits(), write_hooks=tuple(write_hooks),
                   upload_filters=tuple(upload_filters), origin_of=origin_of,
                   change_feeds=tuple(change_feeds))

    # -- locking and transactions -------------------------------------------------
    @contextmanager
    def locked(self, names: Iterable[str], *, defer_sync: bool = False) -> Iterator[None]:
        """Hold the collections' write locks; nested use in one thread is a no-op.

        Radicale takes the lock in ``acquire_lock("w")`` around its own checks; every
        other door (CLI, imports) gets it from the write methods below, so a CLI write
        can never slip between an HTTP If-Match check and its write.

        ``defer_sync`` (the storage plugin's ``acquire_lock("w")``; only the outermost
        use counts): SQLite transactions of this thread inside commit without their WAL
        fsync, and leaving, after the locks are released, waits for one fsync begun
        after them, shared with concurrent writers (:mod:`cms_dav.store.durability`).
        """
        held = self._lock_held
        if getattr(held, "depth", 0):
            held.depth += 1
            try:
                yield
            finally:
                held.depth -= 1
            return
        deferred = (DeferredSync(self.group_sync)
                    if defer_sync and self.group_sync is not None else None)
        try:
            with locks.collection_locks(self.engine, names):
                held.depth, held.deferred = 1, deferred
                try:
                    yield
                finally:
                    held.depth, held.deferred = 0, None
        finally:
            if deferred is not None:  # outside the locks, before the caller answers
                deferred.finish()

    def reading(self) -> AbstractContextManager[Connection]:
        return read_tx(self.engine)

    @contextmanager
    def batch(self, names: Iterable[str]) -> Iterator[None]:
        """Run many writes of this thread in one transaction (one commit, one fsync).

        For bulk work (imports, migrations). Each write inside still gets its own
        savepoint, so one refused item does not undo the others.
        """
        with self.transaction(names):
            yield

    @contextmanager
    def transaction(self, names: Iterable[str]) -> Iterator[Connection]:
        """One transaction for the store's writes of this thread *and* the caller's own
        statements on the yielded connection, holding the write locks of ``names``.

        For a write that is more than one store call (trash restore: the item, then
        the trash row and its audit row): all of it commits, or none of it does; an
        exception leaving the block rolls everything back. Inside an open transaction
        of this thread it becomes a savepoint of that one.
        """
        outer = getattr(self._batch, "conn", None)
        with self.locked(names):
            if outer is not None:
                with outer.begin_nested():
                    yield outer
                return
            with self.writing() as conn:
                self._batch.conn = conn
                try:
                    yield conn
                finally:
                    self._batch.conn = None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        conn = getattr(self._batch, "conn", None)
        if conn is None:
            with self.writing() as conn:
                yield conn
            return
        with conn.begin_nested():
            yield conn

    def writing(self) -> AbstractContextManager[Connection]:
        return write_tx(self.engine, getattr(self._lock_held, "deferred", None))

    # -- reads ----------------------------------------------------------------------
    def collection(self, path: str, memo: Memo | None = None) -> CollectionRecord | None:
        """The collection at ``path``; with a ``memo`` (a door serving one request)
        answered from :meth:`resolve`'s memo, which one lookup fills for a path and its
        parent."""
        if memo is not None:
            found = self.resolve(path, memo)
            return found if isinstance(found, CollectionRecord) else None
        with self.reading() as conn:
            return collections.get(conn, path)

    def children(self, path: str) -> list[CollectionRecord]:
        with self.reading() as conn:
            return list(collections.children(conn, path))

    def resolve(self, path: str, memo: Memo | None = None, uid: str | None = None
                ) -> CollectionRecord | tuple[CollectionRecord, ItemRecord] | None:
        """What a request path names: a collection, an item in its collection, or nothing.

        One transaction and at most two queries (three with ``uid``): this runs on every
        request. ``memo``: the answers are kept there, for ``path`` and, found in the
        same query, for its parent collection and its home (a PUT asks for the item's
        path, then for its collection's; Radicale asks for the user's home on every
        request); whoever writes clears it (:class:`~cms_dav.memo.Memo`).
        ``uid``: the UID of an upload to ``path``; when ``path`` names no item yet,
        whether its collection already holds that UID is looked up in the same
        transaction and kept in ``memo`` for :meth:`has_uid` (Radicale asks it next,
        under the same write lock)."""
        return remembered(memo, resolved.key(path), lambda: self._resolve(path, memo, uid))

    def _resolve(self, path: str, memo: Memo | None, uid: str | None = None
                 ) -> CollectionRecord | tuple[CollectionRecord, ItemRecord] | None:
        parent_path, _, href = path.rpartition("/")
        home = path.partition("/")[0]
        with self.reading() as conn:  # plain DB-API statements (cms_dav.store.lookups)
            wanted = [path, *(above for above in (parent_path, home) if above and above != path)]
            found = lookups.collections_at(conn, list(dict.fromkeys(wanted)))
            if memo is not None:
                for above in (parent_path, home):
                    if above != path and above in found:  # what resolve() answers for it
                        memo.remember(resolved.key(above), found[above])
            parent = found.get(parent_path)
            if path in found:
                return found[path]
            if parent is None or not parent.tag:
                return None
            item = lookups.item_at(conn, parent.id, href)
            if item is None and uid is not None and memo is not None:
                memo.remember(resolved.uid_key(parent.id, uid),
                              lookups.has_uid(conn, parent.id, uid))
            return (parent, item) if item is not None else None

    def confirm_lookup(self, memo: Memo, path: str, parent: CollectionRecord,
                       item: ItemRecord | None, uid: str | None = None) -> bool:
        """Whether the book ``parent`` is stored exactly as a :meth:`resolve` of
        ``path`` (an item's path in it) found it, made earlier in this request with
        ``item`` its answer (None: no item there); if so, that lookup's answers for
        ``path`` and the book are ``memo``'s again, and with ``uid`` (a new item's
        UID) also whether the book holds it, all read in one transaction.

        For a PUT under its write lock (``Storage.acquire_lock``), after the lock
        cleared the memo: Radicale's checks then ask the database for the book's row
        only. Why the row is enough: every change of an item (a write, a delete, a
        move in or out, from any door, process or node) bumps its book's ``sync_seq``
        in the same transaction (the invariant sync tokens rest on: an unchanged token
        means unchanged items), and a book made anew at the path gets a new id and
        epoch; so an equal row means the book holds the items the earlier lookup saw.
        False (the memo untouched): the row differs, and the full lookup runs."""
        with self.reading() as conn:
            now = lookups.collection_at(conn, parent.path)
            if now != parent:
                return False
            has_uid = (lookups.has_uid(conn, parent.id, uid)
                       if item is None and uid is not None else None)
        # the answers resolve() gives for these paths (cms_dav.store.resolved)
        memo.remember(resolved.key(parent.path), parent)
        memo.remember(resolved.key(path), None if item is None else (parent, item))
        if has_uid is not None and uid is not None:
            memo.remember(resolved.uid_key(parent.id, uid), has_uid)
        return True

    def item(self, collection_id: int, href: str, with_text: bool = True
             ) -> ItemRecord | None:
        with self.reading() as conn:
            return items.get(conn, collection_id, href, with_text)

    def item_text(self, collection_id: int, href: str) -> str | None:
        with self.reading() as conn:
            return items.get_text(conn, collection_id, href)

    def items_by_href(self, collection_id: int, hrefs: Iterable[str]) -> dict[str, ItemRecord]:
        with self.reading() as conn:
            return items.get_many(conn, collection_id, hrefs)

    def all_items(self, collection_id: int, with_text: bool = True) -> Iterator[ItemRecord]:
        with self.reading() as conn:
            yield from items.iter_all(conn, collection_id, with_text)

    def items_page(self, collection_id: int, after: str, limit: int) -> list[ItemRecord]:
        with self.reading() as conn:
            return items.page(conn, collection_id, after, limit)

    def items_in_range(self, collection_id: int, component: str | None, start: int,
                       end: int) -> Iterator[ItemRecord]:
        with self.reading() as conn:
            yield from items.iter_in_range(conn, collection_id, component, start, end)

    def has_uid(self, collection_id: int, uid: str, memo: Memo | None = None) -> bool:
        """Whether the collection holds an item with ``uid``; with a ``memo``, answered
        from :meth:`resolve`'s lookup of the upload's path when it asked the same."""
        def look() -> bool:
            with self.reading() as conn:
                return items.has_uid(conn, collection_id, uid)
        return remembered(memo, resolved.uid_key(collection_id, uid), look)

    def settle(self) -> None:
        """Call after reading a collection's sequence and before handing it out as a
        sync token or ctag (RFC 6578 §3.2): waits for the WAL fsync of a deferred DAV
        write the read may have seen, so a power loss cannot take back a sequence a
        client holds (the next write would reuse it, and that client miss it). Returns
        at once when no deferred commit is unsynced (:meth:`GroupSync.settle`)."""
        if self.group_sync is not None:
            self.group_sync.settle()

    def sync(self, path: str, old_token: str) -> tuple[str, list[str]]:
        with self.reading() as conn:
            record = collections.get(conn, path)
            if record is None:
                raise NotFound(f"no collection /{path}/")
            token, hrefs = sync_pages.changed_hrefs(conn, record, old_token)
            names = list(hrefs)
        self.settle()
        return token, names

    def sync_page(self, path: str, old_token: str, limit: int) -> sync_pages.Page:
        """At most ``limit`` names of a sync-collection (RFC 6578 §3.6 truncation)."""
        with self.reading() as conn:
            record = collections.get(conn, path)
            if record is None:
                raise NotFound(f"no collection /{path}/")
            page = sync_pages.page(conn, record, old_token, limit)
        self.settle()
        return page

    # -- writes ---------------------------------------------------------------------
    def with_origin(self, origin_of: OriginOf) -> "Store":
        """This store (same engine, hooks and filters) writing with ``origin_of``: for a
        door whose requests do not run under the request scope's context, e.g. the JSON
        API on a2wsgi's threads, which audits its writes as door "api"."""
        return replace(self, origin_of=origin_of)

    def origin(self, actor: str) -> WriteOrigin:
        """Where a write by ``actor`` comes from (for callers writing audit rows)."""
        return self.origin_of(actor)

    def put_item(self, path: str, href: str, data: ItemData, actor: str, *,
                 apply_filters: bool = True, attested: bool = False,
                 audit_action: str = "item.put",
                 audit_detail: dict[str, Any] | None = None,
                 audit_kind: str = "") -> WriteResult:
        """Store one item. ``apply_filters=False`` skips the upload filters altogether;
        ``attested=True`` tells them the text is the server's own, made from stored data
        (see :class:`UploadFilter`), not a client's. Refuses (LimitExceeded) an item past
        ``[limits]`` and a new item past the collection's quota. The audit kind is
        "create" or "update" unless ``audit_kind`` says (e.g. "restore")."""
        self._check_text(data)
        origin = self.origin_of(actor)
        with self.locked([path]), self._write() as conn:
            found = items.get_with_collection(conn, path, href)
            if found is None:
                raise NotFound(f"no collection /{path}/")
            record, old = found
            stored = self._filtered(conn, record, old, data, actor, attested) \
                if apply_filters else data
            # no savepoint of its own: a UidConflict leaves this block, and the
            # rollback of its transaction (or batch savepoint) undoes the write
            new, old = items.put(conn, record, href, stored, actor, self.token_days, old=old,
                                 max_items=self.limits.max_items_per_collection,
                                 door=origin.door, savepoint=False)
            for hook in self.write_hooks:
                hook.item_written(conn, record, new, old)
            self._item_changed(conn, origin, record, new, old)
            audit.record_many(conn, [_put_entry(origin, path, href, new, old, audit_action,
                                                audit_detail, audit_kind)])
            return WriteResult(new=new, old=old, modified=stored is not data)

    def prepare_put(self, collection: CollectionRecord, old: ItemRecord | None, href: str,
                    data: ItemData, actor: str) -> None:
        """Do the pure work of a :meth:`put_item` to come before its write lock: the
        upload filters' and write hooks' ``prepare``, given the collection and stored
        item as the caller read them outside the lock. ``put_item`` reuses each result
        whose inputs are still the same, and computes it under the lock otherwise, so
        nothing changes but where the CPU time is spent: outside the collection's and
        SQLite's write locks (issue 19). Filters or hooks without ``prepare`` are left
        to the write."""
        try:
            check_item_text(data.text, self.limits, data.name)
        except ValueError:
            return  # refused by the write itself
        self._checked.passed = (data.text, data.name)
        stored = data
        for upload_filter in self.upload_filters:
            prepare = getattr(upload_filter, "prepare", None)
            if prepare is None:
                return  # what it will store is unknown: nothing after it can prepare
            stored = prepare(collection, old, stored, actor=actor, attested=False)
        for hook in self.write_hooks:
            prepare = getattr(hook, "prepare", None)
            if prepare is not None:
                prepare(collection, href, stored)

    def _check_text(self, data: ItemData) -> None:
        """:func:`check_item_text` of ``data``, unless this thread's :meth:`prepare_put`
        just passed the very same text object (a PUT's write after its preparation:
        the scan of every line is not made twice; one use only)."""
        passed = getattr(self._checked, "passed", None)
        self._checked.passed = None
        if passed is not None and passed[0] is data.text and passed[1] == data.name:
            return
        check_item_text(data.text, self.limits, data.name)

    def offer_ahead(self, work: object) -> None:
        """Hand work made ahead of a write from its upload's text alone (an import's
        worker process: :class:`cms_dav.contacts.card_work.CardWork`) to the upload
        filters and write hooks that take it (``take_ahead``); each uses it only for a
        write of exactly that text, so nothing changes but where the CPU time is spent
        (issue 19). A text it says passed these very ``[limits]`` as a vCard
        (``CardWork.checked``) is not scanned again by :meth:`put_items`."""
        for step in (*self.upload_filters, *self.write_hooks):
            take = getattr(step, "take_ahead", None)
            if take is not None:
                take(work)
        text, checked = getattr(work, "text", None), getattr(work, "checked", None)
        if checked is not None and checked == self.limits and isinstance(text, str):
            with self._checked_ahead_lock:
                self._checked_ahead[text] = None
                while len(self._checked_ahead) > CHECKED_AHEAD:
                    del self._checked_ahead[next(iter(self._checked_ahead))]

    def _check_written(self, data: ItemData) -> None:
        """:func:`check_item_text` of a text :meth:`put_items` writes, unless an
        import's worker checked exactly this text as a vCard against these limits
        (:meth:`offer_ahead`; the scan's outcome depends on nothing else)."""
        if data.name.upper() == "VCARD":
            with self._checked_ahead_lock:
                if self._checked_ahead.pop(data.text, False) is None:
                    return
        check_item_text(data.text, self.limits, data.name)

    def put_items(self, path: str, entries: Sequence[tuple[str, ItemData]], actor: str
                  ) -> list[WriteResult | ValueError]:
        """:meth:`put_item` for many items of one collection (``cms-dav import``), in
        order, in one transaction (the caller's ``batch``, if open): each item in a
        savepoint of its own, so a refused one (past ``[limits]``, refused by an upload
        filter, a UID conflict) is only left out and its ValueError is its answer.

        Every item ends in the state a :meth:`put_item` of it would leave: the item, its
        change-log row, history, audit entry and outbox events are written per item (in
        this order), and the write hooks then see the written items together
        (``items_written`` where a hook has it, else ``item_written`` for each) so the
        index rows go in one statement per table; the collection and its stored items
        are read once, and a feed that is not listening (no webhook, no push) is asked
        once (issue 19: an import was ~20 statements per row). When no feed listens,
        the new items' INSERTs and the collection's counter updates are held back and
        written together (:meth:`_put_rows`), unless a UID of the batch is taken or
        its new items would fill the collection (:func:`items.groupable`: such a
        batch goes item by item); a refusal the group still meets undoes it and writes
        the batch item by item."""
        origin = self.origin_of(actor)
        with self.locked([path]), self._write() as conn:
            record = self._require(conn, path)
            stored_items = items.get_many(conn, record.id, [href for href, _ in entries])
            feeds = [feed for feed in self.change_feeds if _listening(feed, conn)]
            if not feeds and self.group_inserts and items.groupable(
                    conn, record, entries, stored_items,
                    self.limits.max_items_per_collection):
                try:
                    with raw.savepoint(conn):
                        return self._put_rows(conn, origin, record, entries,
                                              dict(stored_items), [], actor, grouped=True)
                except items.NotGrouped:
                    pass  # a refusal: item by item answers it as put_item would
            return self._put_rows(conn, origin, record, entries, stored_items, feeds,
                                  actor, grouped=False)

    def _put_rows(self, conn: Connection, origin: WriteOrigin, record: CollectionRecord,
                  entries: Sequence[tuple[str, ItemData]],
                  stored_items: dict[str, ItemRecord], feeds: list[ChangeFeed], actor: str,
                  grouped: bool) -> list[WriteResult | ValueError]:
        """:meth:`put_items`' rows, one savepoint each. ``grouped`` (only when no change
        feed listens: a feed may read what each write left): the new items' INSERTs and
        the collection's counter updates are held back and written together
        (:class:`items.NewItems`), the same statements' effects in the same order in
        fewer statements; an update of a stored item writes what is held first, then
        goes as :func:`items.put`, and a new item the store would refuse raises
        :class:`items.NotGrouped` out of here (the caller undoes the group)."""
        path = record.path
        results: list[WriteResult | ValueError] = []
        written: list[tuple[ItemRecord, ItemRecord | None]] = []
        audits: list[dict[str, Any]] = []
        logged: list[dict[str, Any]] = []
        fresh = items.NewItems(conn, record, self.token_days, logged) if grouped else None
        #: new items without their row id yet: (href, index in results, in written)
        waiting: list[tuple[str, int, int]] = []

        def flush() -> None:
            if fresh is None:
                return
            ids = fresh.flush()
            for href, at_result, at_written in waiting:
                result = results[at_result]
                assert isinstance(result, WriteResult)
                new = replace(result.new, id=ids[href])
                results[at_result] = replace(result, new=new)
                written[at_written] = (new, None)
                if stored_items.get(href) is result.new:
                    stored_items[href] = new
            waiting.clear()

        for href, data in entries:
            if href in stored_items:
                flush()
            old = stored_items.get(href)
            try:
                self._check_written(data)
                with raw.savepoint(conn):
                    stored = self._filtered(conn, record, old, data, actor, False)
                    if fresh is not None and old is None:
                        new = fresh.add(href, stored, self.limits.max_items_per_collection)
                    else:
                        new, old = items.put(
                            conn, record, href, stored, actor, self.token_days, old=old,
                            max_items=self.limits.max_items_per_collection,
                            door=origin.door, savepoint=False, log=logged)
            except ValueError as exc:
                results.append(exc)
                continue
            if fresh is not None:
                if old is None:
                    waiting.append((href, len(results), len(written)))
                else:
                    fresh.reread()
            stored_items[href] = new
            written.append((new, old))
            for feed in feeds:
                feed.item_changed(conn, origin, record, new, old)
            audits.append(_put_entry(origin, path, href, new, old))
            results.append(WriteResult(new=new, old=old, modified=stored is not data))
        flush()
        self._written_together(conn, record, written, logged, audits)
        return results

    def _written_together(self, conn: Connection, record: CollectionRecord,
                          written: list[tuple[ItemRecord, ItemRecord | None]],
                          logged: list[dict[str, Any]], audits: list[dict[str, Any]]
                          ) -> None:
        """A batch's write hooks (``items_written`` where a hook has it, else
        ``item_written`` per item), change-log rows and audit entries."""
        for hook in self.write_hooks:
            many = getattr(hook, "items_written", None)
            if many is not None:
                many(conn, record, written)
                continue
            for new, old in written:
                hook.item_written(conn, record, new, old)
        sync.log_changes(conn, logged)
        audit.record_many(conn, audits)

    def delete_item(self, path: str, href: str, actor: str) -> ItemRecord:
        origin = self.origin_of(actor)
        with self.locked([path]), self._write() as conn:
            record = self._require(conn, path)
            old = items.remove(conn, record, href, actor, self.token_days, door=origin.door)
            if old is None:
                raise NotFound(f"no item /{path}/{href}")
            for hook in self.write_hooks:
                hook.item_deleted(conn, record, old)
            self._item_changed(conn, origin, record, None, old)
            audit.record(conn, origin, "item.delete", paths.join(path, href),
                         {"etag": old.etag}, kind="delete", collection=path, href=href,
                         uid=old.uid, old_etag=old.etag)
            return old

    def move_item(self, path: str, href: str, to_path: str, to_href: str,
                  actor: str) -> None:
        origin = self.origin_of(actor)
        with self.locked([path, to_path]), self._write() as conn:
            source = self._require(conn, path)
            target = self._require(conn, to_path)
            old = items.get(conn, source.id, href)
            if old is None:
                raise NotFound(f"no item /{path}/{href}")
            items.remove(conn, source, href, actor, self.token_days, action="moved",
                         door=origin.door)
            for hook in self.write_hooks:
                hook.item_deleted(conn, source, old)
            self._item_changed(conn, origin, source, None, old)
            assert old.text is not None
            data = ItemData(text=old.text, uid=old.uid, etag=old.etag, name=old.name,
                            component=old.component, time_start=old.time_start,
                            time_end=old.time_end)
            replaced = items.get(conn, target.id, to_href, with_text=False)
            if replaced is None and items.has_uid(conn, target.id, old.uid):
                raise items.UidConflict(f"UID {old.uid!r} exists in /{to_path}/")
            new, previous = items.put(conn, target, to_href, data, actor, self.token_days,
                                      max_items=self.limits.max_items_per_collection,
                                      door=origin.door)
            for hook in self.write_hooks:
                hook.item_written(conn, target, new, previous)
            self._item_changed(conn, origin, target, new, previous)
            audit.record(conn, origin, "item.move", paths.join(path, href),
                         {"to": paths.join(to_path, to_href)}, kind="move",
                         collection=path, href=href, uid=old.uid, old_etag=old.etag,
                         new_etag=new.etag)

    def ensure_folder(self, path: str, actor: str) -> CollectionRecord:
        with self._write() as conn:
            existed = collections.get(conn, path)
            if existed is None:
                quota.check_new_collection(conn, path, self.limits.max_collections_per_user)
            record = collections.ensure(conn, path)
            if existed is None:
                audit.record(conn, self.origin_of(actor), "collection.create", path,
                             {"tag": ""}, collection=path)
            return record

    def create_principal(self, path: str, seeds: Mapping[str, Mapping[str, str]],
                         actor: str) -> bool:
        """A user's home and its default collections in one transaction.

        Other requests see either no home or the home with all of them: a parallel
        first PUT into ``/user/contacts/`` can neither miss the book nor be replaced by
        a second seeding. Returns False when the home already existed."""
        with self.locked([path]), self._write() as conn:
            if collections.get(conn, path) is not None:
                return False
            collections.ensure(conn, path)
            for name, props in seeds.items():
                if collections.get(conn, f"{path}/{name}") is None:
                    collections.create_tagged(conn, f"{path}/{name}", props)
            audit.record(conn, self.origin_of(actor), "collection.create", path,
                         {"seeded": sorted(seeds)}, collection=path)
            return True

    def replace_collection(self, path: str, props: Mapping[str, str],
                           new_items: Iterable[tuple[str, ItemData]], actor: str, *,
                           attested: bool = False
                           ) -> tuple[CollectionRecord, dict[str, ItemRecord], list[str]]:
        """MKCOL with properties, or PUT of a whole collection: one atomic swap.

        Each item passes the upload filters as a PUT would, the replaced item of the
        same href (else UID) standing for the stored one: a whole-collection PUT cannot
        rewrite what a PUT of one card cannot."""
        new_items = list(new_items)
        for _href, data in new_items:
            check_item_text(data.text, self.limits, props.get("tag", ""))
        if len(new_items) > self.limits.max_items_per_collection:
            raise items.TooManyItems(path, self.limits.max_items_per_collection)
        origin = self.origin_of(actor)
        with self.locked([path]), self._write() as conn:
            existing = collections.get(conn, path)
            if existing is None:
                quota.check_new_collection(conn, path, self.limits.max_collections_per_user)
            replaced: dict[str, ItemRecord] = {}
            if existing is not None:
                for old in list(items.iter_all(conn, existing.id)):
                    replaced[old.href] = old
                    items.remove(conn, existing, old.href, actor, self.token_days,
                                 door=origin.door)
                    for hook in self.write_hooks:
                        hook.item_deleted(conn, existing, old)
                collections.set_props(conn, existing.id, props)
                collections.reset_sync(conn, existing.id)
            else:
                collections.create_tagged(conn, path, props)
            record = self._require(conn, path)
            new_hrefs: list[str] = []
            written: set[str] = set()
            by_uid = {old.uid: old for old in replaced.values()}
            for href, data in new_items:
                written.add(href)
                stored = replaced.get(href) or by_uid.get(data.uid)
                data = self._filtered(conn, record, stored, data, actor, attested)
                new, _ = items.put(conn, record, href, data, actor, self.token_days,
                                   door=origin.door)
                for hook in self.write_hooks:
                    hook.item_written(conn, record, new, None)
                if href not in replaced:
                    new_hrefs.append(href)
            self._collection_changed(conn, origin, path,
                                     "replaced" if existing else "created")
            audit.record(conn, origin, "collection.replace" if existing else "collection.create",
                         path, {"tag": props.get("tag", ""), "items": len(new_hrefs)},
                         collection=path)
            overwritten = {href: old for href, old in replaced.items()
                           if href not in new_hrefs and href in written}
            return self._require(conn, path), overwritten, new_hrefs

    def set_props(self, path: str, props: Mapping[str, str], actor: str) -> None:
        with self.locked([path]), self._write() as conn:
            record = self._require(conn, path)
            collections.set_props(conn, record.id, props)
            origin = self.origin_of(actor)
            self._collection_changed(conn, origin, path, "props")
            audit.record(conn, origin, "collection.props", path, dict(props),
                         collection=path)

    def compact_search_index(self) -> None:
        """Merge the trigram tables' segments after a bulk write (SQLite; nothing on
        PostgreSQL, whose ``pg_trgm`` indexes are B-trees): see :func:`fts.optimize`.
        Holds the write lock while it runs (seconds at 100k cards)."""
        with self.writing() as conn:
            fts.optimize(conn)

    def delete_collection(self, path: str, actor: str) -> list[CollectionRecord]:
        origin = self.origin_of(actor)
        # Only the hrefs are listed up front: holding every ItemRecord (text and all)
        # until the last one was removed made the peak memory grow with the tree
        # (issue 19: ~2.7 KB per card, 270 MB for a 100k book). items.remove reads
        # each item's full row again anyway, and the hooks get that record.
        with self.locked([path]), self._write() as conn:
            doomed_items: list[tuple[CollectionRecord, str]] = []
            for record in collections.descendants(conn, path) + [self._require(conn, path)]:
                for meta_only in items.iter_all(conn, record.id, with_text=False):
                    doomed_items.append((record, meta_only.href))
            for record, href in doomed_items:
                old = items.remove(conn, record, href, actor, self.token_days,
                                   door=origin.door)
                if old is None:  # cannot happen under the lock, in this transaction
                    continue
                for hook in self.write_hooks:
                    hook.item_deleted(conn, record, old)
            deleted = collections.delete_tree(conn, path)
            self._collection_changed(conn, origin, path, "deleted")
            forget_shares_under(conn, path, origin)
            when = time.time()
            for record in deleted:
                conn.execute(trash_collections.insert().values(
                    path=record.path, tag=record.tag,
                    props=json.dumps(dict(record.props), sort_keys=True), actor=actor,
                    deleted_at=when))
            audit.record(conn, origin, "collection.delete", path,
                         {"collections": len(deleted), "items": len(doomed_items)},
                         collection=path)
            return deleted

    # -- server-generated collections (cms_dav.calendars) ---------------------------
    def derived_fingerprint(self, path: str) -> str | None:
        with self.reading() as conn:
            return derived.fingerprint(conn, path)

    def create_derived(self, path: str, props: Mapping[str, str], marker: str,
                       actor: str) -> CollectionRecord | None:
        """The generated collection at ``path`` (created with ``props`` when missing);
        None when a collection without ``marker`` in its props holds the path, or when
        the home does not exist yet (Radicale seeds a new home on its first request)."""
        with self.locked([path]), self._write() as conn:
            record = collections.get(conn, path)
            if record is None:
                if collections.get(conn, paths.parent(path)) is None:
                    return None
                record = collections.create_tagged(conn, path, props)
                derived.forget(conn, path)
                audit.record(conn, actor, "collection.create", path,
                             {"tag": props.get("tag", ""), "generated": True})
            return record if marker in record.props else None

    def regenerate(self, path: str, wanted: Mapping[str, ItemData], keep: Collection[str],
                   fingerprint: str, actor: str) -> derived.Regenerated:
        """Make the generated collection hold exactly ``wanted`` plus the stored items in
        ``keep`` (one transaction, exact change-log deltas) and remember the inputs'
        ``fingerprint``."""
        with self.locked([path]), self._write() as conn:
            record = self._require(conn, path)
            done = derived.replace_items(conn, record, wanted, keep, actor, self.token_days,
                                         self.write_hooks)
            derived.set_fingerprint(conn, path, fingerprint)
            if done.any:
                audit.record(conn, actor, "collection.regenerate", path,
                             {"added": done.added, "changed": done.changed,
                              "removed": done.removed})
            return done

    def drop_derived(self, path: str, actor: str) -> bool:
        """Delete a generated collection (turned off); not into the trash."""
        with self.locked([path]), self._write() as conn:
            dropped = derived.drop(conn, path, actor, self.token_days, self.write_hooks)
            if dropped:
                audit.record(conn, actor, "collection.delete", path, {"generated": True})
            return dropped

    def preference(self, user: str, name: str) -> str | None:
        with self.reading() as conn:
            return preferences.get(conn, user, name)

    def set_preference(self, user: str, name: str, value: str, actor: str) -> None:
        with self._write() as conn:
            preferences.put(conn, user, name, value)
            audit.record(conn, actor, "user.preference", user, {name: value})

    # -- saved segments (cms_dav.contacts.segments) -----------------------------------
    def segment(self, name: str) -> segment_table.SegmentRecord | None:
        with self.reading() as conn:
            return segment_table.get(conn, name)

    def segments(self) -> list[segment_table.SegmentRecord]:
        with self.reading() as conn:
            return segment_table.all_segments(conn)

    def save_segment(self, record: segment_table.SegmentRecord, actor: str) -> None:
        with self._write() as conn:
            segment_table.put(conn, record)
            audit.record(conn, actor, "segment.save", record.name,
                         {"owner": record.owner, "sources": list(record.sources),
                          "filters": record.filters})

    def remove_segment(self, name: str, actor: str) -> bool:
        with self._write() as conn:
            removed = segment_table.remove(conn, name)
            if removed:
                audit.record(conn, actor, "segment.remove", name, {})
            return removed

    # -- the root collection "/" has no row; its properties live in store_meta -------
    ROOT_PROPS_KEY = "root_props"

    def root_props(self) -> dict[str, str]:
        with self.reading() as conn:
            raw = conn.execute(select(meta.c.value).where(
                meta.c.key == self.ROOT_PROPS_KEY)).scalar()
        return dict(json.loads(raw)) if raw else {}

    def set_root_props(self, props: Mapping[str, str], actor: str) -> None:
        """PROPPATCH / (stock Radicale keeps the root's props in its .Radicale.props)."""
        with self.locked(["/"]), self._write() as conn:
            conn.execute(sql_delete(meta).where(meta.c.key == self.ROOT_PROPS_KEY))
            conn.execute(meta.insert().values(key=self.ROOT_PROPS_KEY,
                                              value=json.dumps(dict(props), sort_keys=True)))
            audit.record(conn, self.origin_of(actor), "collection.props", "", dict(props))

    def _item_changed(self, conn: Connection, origin: WriteOrigin,
                      collection: CollectionRecord, new: ItemRecord | None,
                      old: ItemRecord | None) -> None:
        for feed in self.change_feeds:
            feed.item_changed(conn, origin, collection, new, old)

    def _collection_changed(self, conn: Connection, origin: WriteOrigin, path: str,
                            change: str) -> None:
        for feed in self.change_feeds:
            feed.collection_changed(conn, origin, path, change)

    def _filtered(self, conn: Connection, record: CollectionRecord, old: ItemRecord | None,
                  data: ItemData, actor: str, attested: bool) -> ItemData:
        """``data`` through every upload filter, in order (:class:`UploadFilter`)."""
        for upload_filter in self.upload_filters:
            data = upload_filter(conn, record, old, data, actor=actor, attested=attested)
        return data

    @staticmethod
    def _require(conn: Connection, path: str) -> CollectionRecord:
        record = collections.get(conn, path)
        if record is None:
            raise NotFound(f"no collection /{path}/")
        return record


def _listening(feed: ChangeFeed, conn: Connection) -> bool:
    """Whether ``feed`` may record an item change now (a :class:`QuietFeed` can say no)."""
    listening = getattr(feed, "listening", None)
    return listening is None or bool(listening(conn))


def _put_entry(origin: WriteOrigin, path: str, href: str, new: ItemRecord,
               old: ItemRecord | None, action: str = "item.put",
               detail: dict[str, Any] | None = None, kind: str = "") -> dict[str, Any]:
    """The audit row of an item write (:meth:`Store.put_item`, :meth:`Store.put_items`):
    kind "create" or "update" unless ``kind`` says (e.g. "restore")."""
    return audit.entry(origin, action, paths.join(path, href),
                       {"etag": new.etag, "created": old is None, **(detail or {})},
                       kind=kind or ("create" if old is None else "update"),
                       collection=path, href=href, uid=new.uid,
                       old_etag=old.etag if old else "", new_etag=new.etag)

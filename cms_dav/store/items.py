"""Item rows: reads that never parse, and writes that keep the change log in step."""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from typing import Any, Collection, Iterable, Iterator

from sqlalchemy import Column, Connection, Row, and_, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from cms_dav.store import sync
from cms_dav.store.raw import RawStatement
from cms_dav.store.quota import QuotaExceeded
from cms_dav.store.records import CollectionRecord, ItemData, ItemRecord
from cms_dav.store.schema import collections, history, items

_META_COLUMNS = (items.c.collection_id, items.c.href, items.c.uid, items.c.name,
                 items.c.component, items.c.etag, items.c.time_start, items.c.time_end,
                 items.c.modified_at)


class UidConflict(ValueError):
    """Another item of the collection already has this UID."""


def _record(row: Row[Any], with_text: bool) -> ItemRecord:
    return ItemRecord(collection_id=row.collection_id, href=row.href, uid=row.uid,
                      name=row.name, component=row.component, etag=row.etag,
                      time_start=row.time_start, time_end=row.time_end,
                      modified_at=row.modified_at,
                      text=row.text if with_text else None)


def _columns(with_text: bool) -> tuple[Column[Any], ...]:
    return _META_COLUMNS + ((items.c.text,) if with_text else ())


_ONE = items.c.collection_id == bindparam("cid"), items.c.href == bindparam("href")
#: built once (see cms_dav.store.collections): by with_text
_GET = {flag: select(*_columns(flag)).where(*_ONE) for flag in (True, False)}
_HAS_UID = select(items.c.id).where(items.c.collection_id == bindparam("cid"),
                                    items.c.uid == bindparam("uid")).limit(1)
#: the columns ``put`` writes (the SET of an update, the VALUES of an insert)
_PUT_KEYS = ("uid", "name", "component", "etag", "text", "time_start", "time_end",
             "modified_at", "seq")
#: a PUT's own statements run as plain DB-API (:mod:`cms_dav.store.raw`, issue 19)
_INSERT = RawStatement(items.insert().returning(items.c.id),
                       ("collection_id", "href", *_PUT_KEYS))
# SET takes the column names as parameter keys: the WHERE gets names of its own
_UPDATE = RawStatement(update(items).where(items.c.collection_id == bindparam("where_cid"),
                                           items.c.href == bindparam("where_href"))
                       .returning(items.c.id), _PUT_KEYS)
_DELETE = delete(items).where(*_ONE)
#: sync.bump and _COUNT_BY of a new item, in one statement
_BUMP_AND_COUNT = RawStatement(
    update(collections).where(collections.c.id == bindparam("cid"))
    .values(sync_seq=collections.c.sync_seq + 1, modified_at=bindparam("when"),
            item_count=collections.c.item_count + 1)
    .returning(collections.c.sync_seq, collections.c.item_count))
_COUNT_BY = (update(collections).where(collections.c.id == bindparam("cid"))
             .values(item_count=collections.c.item_count + bindparam("delta"))
             .returning(collections.c.item_count))


class TooManyItems(QuotaExceeded):
    """The collection already holds its quota of items (``[limits]
    max_items_per_collection``): 507 DAV:quota-not-exceeded (RFC 4331 §6)."""

    def __init__(self, path: str, limit: int) -> None:
        super().__init__(f"/{path}/ already holds {limit} items, the most one collection "
                         f"may hold ([limits] max_items_per_collection)")
_HISTORY = RawStatement(history.insert())


def get(conn: Connection, collection_id: int, href: str,
        with_text: bool = True) -> ItemRecord | None:
    row = conn.execute(_GET[with_text], {"cid": collection_id, "href": href}).first()
    return _record(row, with_text) if row else None


_COLLECTION_COLUMNS = (collections.c.id, collections.c.path, collections.c.tag,
                       collections.c.props, collections.c.modified_at, collections.c.sync_seq,
                       collections.c.sync_floor, collections.c.sync_epoch)
#: :func:`get_with_collection`: the collection row and, joined, the item's (or NULLs)
_WITH_COLLECTION = RawStatement(
    select(*_COLLECTION_COLUMNS, *_columns(True))
    .select_from(collections.outerjoin(items, and_(
        items.c.collection_id == collections.c.id, items.c.href == bindparam("href"))))
    .where(collections.c.path == bindparam("path")))


def get_with_collection(conn: Connection, path: str, href: str
                        ) -> tuple[CollectionRecord, ItemRecord | None] | None:
    """The collection at ``path`` and its item ``href`` (with text; None when it has
    none), in one plain DB-API query: a write's first reads under its lock (issue
    19: two statements through SQLAlchemy before). None: no such collection."""
    rows = _WITH_COLLECTION.execute(conn, {"path": path, "href": href})
    if not rows:
        return None
    row = rows[0]
    ident, cpath, tag, props, modified_at, sync_seq, sync_floor, epoch = row[:8]
    collection = CollectionRecord(
        id=ident, path=cpath, tag=tag, props=json.loads(props), modified_at=modified_at,
        sync_seq=sync_seq, sync_floor=sync_floor, sync_epoch=epoch)
    (cid, item_href, uid, name, component, etag, time_start, time_end, item_modified,
     text) = row[8:]
    if item_href is None:
        return collection, None
    return collection, ItemRecord(
        collection_id=cid, href=item_href, uid=uid, name=name, component=component,
        etag=etag, time_start=time_start, time_end=time_end, modified_at=item_modified,
        text=text)


def get_text(conn: Connection, collection_id: int, href: str) -> str | None:
    return conn.execute(select(items.c.text).where(
        items.c.collection_id == collection_id, items.c.href == href)).scalar()


def get_many(conn: Connection, collection_id: int, hrefs: Iterable[str],
             chunk: int = 500) -> dict[str, ItemRecord]:
    wanted = list(dict.fromkeys(hrefs))
    found: dict[str, ItemRecord] = {}
    for start in range(0, len(wanted), chunk):
        part = wanted[start:start + chunk]
        query = select(*_columns(True)).where(items.c.collection_id == collection_id,
                                              items.c.href.in_(part))
        for row in conn.execute(query):
            found[row.href] = _record(row, True)
    return found


def iter_all(conn: Connection, collection_id: int, with_text: bool = True
             ) -> Iterator[ItemRecord]:
    query = (select(*_columns(with_text)).where(items.c.collection_id == collection_id)
             .order_by(items.c.href))
    for row in conn.execute(query.execution_options(yield_per=1000)):
        yield _record(row, with_text)


def page(conn: Connection, collection_id: int, after: str, limit: int) -> list[ItemRecord]:
    """Up to ``limit`` items (with text) whose href sorts after ``after``, by href: one
    page of a cursor listing (the JSON API)."""
    query = (select(*_columns(True)).where(items.c.collection_id == collection_id,
                                           items.c.href > after)
             .order_by(items.c.href).limit(limit))
    return [_record(row, True) for row in conn.execute(query)]


def iter_in_range(conn: Connection, collection_id: int, component: str | None,
                  start: int, end: int) -> Iterator[ItemRecord]:
    query = select(*_columns(True)).where(items.c.collection_id == collection_id,
                                          items.c.time_start < end, items.c.time_end > start)
    if component:
        query = query.where(items.c.component == component)
    for row in conn.execute(query.order_by(items.c.href).execution_options(yield_per=1000)):
        yield _record(row, True)


def has_uid(conn: Connection, collection_id: int, uid: str) -> bool:
    return conn.execute(_HAS_UID, {"cid": collection_id, "uid": uid}).first() is not None


def count(conn: Connection, collection_id: int) -> int:
    from sqlalchemy import func
    return conn.execute(select(func.count()).select_from(items)
                        .where(items.c.collection_id == collection_id)).scalar_one()


def _keep_history(conn: Connection, collection: CollectionRecord, old: ItemRecord,
                  action: str, actor: str, when: float, door: str) -> None:
    assert old.text is not None
    _HISTORY.execute(conn, dict(
        collection_path=collection.path, href=old.href, uid=old.uid, etag=old.etag,
        text=old.text, action=action, actor=actor, at=when, door=door))


#: ``put(old=...)`` default: the caller has not looked the item up
_LOOK_UP: Any = object()


def put(conn: Connection, collection: CollectionRecord, href: str, data: ItemData,
        actor: str, token_days: int, old: ItemRecord | None = _LOOK_UP,
        max_items: int | None = None, door: str = "", savepoint: bool = True,
        log: list[dict[str, Any]] | None = None) -> tuple[ItemRecord, ItemRecord | None]:
    """Insert or replace one item; the caller's transaction holds it all together.

    ``old``: the stored item (with text) or None, when the caller read it in this
    transaction already. ``max_items``: refuse (TooManyItems) a new item that would
    make the collection hold more; the count is read under the row lock ``bump`` took,
    so parallel writers cannot both slip under the quota. ``door``: the write's door,
    kept with the replaced version in ``history``. ``savepoint=False``: the caller runs
    this in a savepoint of its own, which a UidConflict leaving it rolls back (a batch
    write: one savepoint per item, not two). ``log``: the change-log row is appended
    there for the caller to insert with its batch's (:func:`sync.log_changes`) instead
    of inserted now.

    A new item whose absence the caller read (``old=None``) takes its change number and
    its place in the collection's count in one statement."""
    when = time.time()
    held: int | None = None
    if old is None:
        ((seq, held),) = _BUMP_AND_COUNT.execute(conn, {"cid": collection.id, "when": when})
    else:
        seq = sync.bump(conn, collection.id, when)
    if old is _LOOK_UP:
        old = get(conn, collection.id, href)
    values = dict(uid=data.uid, name=data.name, component=data.component, etag=data.etag,
                  text=data.text, time_start=data.time_start, time_end=data.time_end,
                  modified_at=when, seq=seq)
    try:
        with conn.begin_nested() if savepoint else nullcontext():
            if old is None:
                ((ident,),) = _INSERT.execute(conn, dict(collection_id=collection.id,
                                                         href=href, **values))
            else:
                ((ident,),) = _UPDATE.execute(conn, dict(where_cid=collection.id,
                                                         where_href=href, **values))
    except IntegrityError:
        raise UidConflict(f"UID {data.uid!r} is already used by another item of "
                          f"/{collection.path}/") from None
    if old is None:
        if held is None:
            held = conn.execute(_COUNT_BY, {"cid": collection.id, "delta": 1}).scalar_one()
        if max_items is not None and held > max_items:
            raise TooManyItems(collection.path, max_items)
    if old is not None:
        _keep_history(conn, collection, old, "replaced", actor, when, door)
    if log is None:
        sync.log_change(conn, collection.id, seq, href, False, when)
    else:
        log.append(sync.change_row(collection.id, seq, href, False, when))
    sync.prune(conn, collection.id, seq, token_days)
    new = ItemRecord(collection_id=collection.id, href=href, uid=data.uid, name=data.name,
                     component=data.component, etag=data.etag, time_start=data.time_start,
                     time_end=data.time_end, modified_at=when, text=data.text, id=ident,
                     parsed=data.parsed)
    return new, old


def remove(conn: Connection, collection: CollectionRecord, href: str, actor: str,
           token_days: int, action: str = "deleted", door: str = "") -> ItemRecord | None:
    """Delete one item; ``action`` is what history records ("moved" keeps it out of the trash)."""
    old = get(conn, collection.id, href)
    if old is None:
        return None
    when = time.time()
    seq = sync.bump(conn, collection.id, when)
    conn.execute(_DELETE, {"cid": collection.id, "href": href})
    conn.execute(_COUNT_BY, {"cid": collection.id, "delta": -1})
    _keep_history(conn, collection, old, action, actor, when, door)
    sync.log_change(conn, collection.id, seq, href, True, when)
    sync.prune(conn, collection.id, seq, token_days)
    return old


#: :class:`NewItems`' statements: the INSERT without RETURNING (an executemany), the
#: collection's counters read once and set once per group
_INSERT_MANY = RawStatement(items.insert(), ("collection_id", "href", *_PUT_KEYS))
_COUNTERS = RawStatement(select(collections.c.sync_seq, collections.c.item_count)
                         .where(collections.c.id == bindparam("cid")))
_SET_COUNTERS = RawStatement(
    update(collections).where(collections.c.id == bindparam("cid"))
    .values(sync_seq=bindparam("seq"), modified_at=bindparam("when"),
            item_count=bindparam("count")))


class NotGrouped(Exception):
    """:class:`NewItems` cannot say what writing its items one by one would answer (a
    UID taken, a full collection): the caller undoes the group and writes item by
    item. Not a ValueError, so a batch's per-item refusal does not catch it."""


def groupable(conn: Connection, collection: CollectionRecord,
              entries: Iterable[tuple[str, ItemData]], stored: Collection[str],
              max_items: int | None) -> bool:
    """Whether :class:`NewItems` can take a batch's new items without meeting a
    refusal it cannot answer itself (:class:`NotGrouped`): no UID of the batch is held
    by another item of the collection or by two hrefs of the batch, and the new hrefs
    fit the quota. Checked before any item is filtered, so a batch that fails it is
    written item by item from the start (an upload filter's log lines come once)."""
    uids: dict[str, str] = {}
    new: set[str] = set()
    for href, data in entries:
        if uids.setdefault(data.uid, href) != href:
            return False
        if href not in stored:
            new.add(href)
    if max_items is not None and new:
        ((_, count),) = _COUNTERS.execute(conn, {"cid": collection.id})
        if count + len(new) > max_items:
            return False
    wanted = list(uids)
    for start in range(0, len(wanted), 500):
        query = select(items.c.href, items.c.uid).where(
            items.c.collection_id == collection.id, items.c.uid.in_(wanted[start:start + 500]))
        if any(uids[uid] != href for href, uid in conn.execute(query)):
            return False
    return True


class NewItems:
    """New items of one collection whose writes :func:`put` would make one by one,
    held back and written together by :meth:`flush`: one executemany INSERT, one
    UPDATE of the collection's change number, modified time and count, one SELECT of
    the new rows' ids (issue 19: ``cms-dav import`` ran an INSERT and an UPDATE per
    row). Each added item takes the change number, time and place in the count
    :func:`put` would have given it. Where :func:`put` would refuse an item (a full
    collection: TooManyItems, a UID taken: UidConflict, which only the flush's INSERT
    finds) this raises :class:`NotGrouped` (the answer could depend on the order of
    the checks), so the caller must be able to undo the group and write it item by
    item then.

    The caller holds the collection's lock and flushes before anything that reads or
    writes the collection's items or counters (an update of a stored item)."""

    def __init__(self, conn: Connection, collection: CollectionRecord, token_days: int,
                 log: list[dict[str, Any]]) -> None:
        self.conn, self.collection, self.token_days, self.log = (
            conn, collection, token_days, log)
        self.pending: list[dict[str, Any]] = []
        self.seq, self.count = 0, 0
        self.when = 0.0
        self.reread()

    def reread(self) -> None:
        """Take the collection's counters as stored (after a write made by :func:`put`)."""
        assert not self.pending
        ((seq, count),) = _COUNTERS.execute(self.conn, {"cid": self.collection.id})
        self.seq, self.count = int(seq), int(count)

    def add(self, href: str, data: ItemData, max_items: int | None) -> ItemRecord:
        """The record of new item ``href`` (without its id until :meth:`flush`)."""
        if max_items is not None and self.count + 1 > max_items:
            raise NotGrouped(f"/{self.collection.path}/ is full")
        when = time.time()
        self.seq += 1
        self.count += 1
        self.when = when
        cid = self.collection.id
        self.pending.append(dict(
            collection_id=cid, href=href, uid=data.uid, name=data.name,
            component=data.component, etag=data.etag, text=data.text,
            time_start=data.time_start, time_end=data.time_end, modified_at=when,
            seq=self.seq))
        self.log.append(sync.change_row(cid, self.seq, href, False, when))
        sync.prune(self.conn, cid, self.seq, self.token_days)
        return ItemRecord(collection_id=cid, href=href, uid=data.uid, name=data.name,
                          component=data.component, etag=data.etag,
                          time_start=data.time_start, time_end=data.time_end,
                          modified_at=when, text=data.text, parsed=data.parsed)

    def flush(self) -> dict[str, int]:
        """Write the items held back; their row ids by href (empty: none held)."""
        if not self.pending:
            return {}
        rows, self.pending = self.pending, []
        try:
            _INSERT_MANY.execute_many(self.conn, rows)
        except IntegrityError as exc:
            raise NotGrouped(f"a UID is taken in /{self.collection.path}/") from exc
        _SET_COUNTERS.execute(self.conn, {"cid": self.collection.id, "seq": self.seq,
                                          "when": self.when, "count": self.count})
        hrefs = [row["href"] for row in rows]
        ids: dict[str, int] = {}
        for start in range(0, len(hrefs), 500):
            query = select(items.c.href, items.c.id).where(
                items.c.collection_id == self.collection.id,
                items.c.href.in_(hrefs[start:start + 500]))
            ids.update((href, ident) for href, ident in self.conn.execute(query))
        return ids

"""The lookups a request runs on every write (``Store.resolve``, ``Store.confirm_lookup``)
as plain DB-API statements (:mod:`cms_dav.store.raw`).

Each answers exactly what its SQLAlchemy twin answers (``collections.get``,
``collections.get_many``, ``items.get``, ``items.has_uid``: the same records, compared
in ``tests/store/test_lookups.py``), without SQLAlchemy's execution context and result
wrapper. Issue 19, putpath: per statement in a read transaction that was ~90 us through
SQLAlchemy against ~17 us here (SQLite's own work included), and a PUT runs four of
them outside its write. Only inside a transaction the caller has begun: a plain cursor
outside one would see no snapshot (the callers here always hold one).
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from sqlalchemy import Connection, bindparam, select

from cms_dav.store.raw import RawStatement
from cms_dav.store.records import CollectionRecord, ItemRecord
from cms_dav.store.schema import collections, items

_COLLECTION = (collections.c.id, collections.c.path, collections.c.tag, collections.c.props,
               collections.c.modified_at, collections.c.sync_seq, collections.c.sync_floor,
               collections.c.sync_epoch)
_ITEM = (items.c.collection_id, items.c.href, items.c.uid, items.c.name,
         items.c.component, items.c.etag, items.c.time_start, items.c.time_end,
         items.c.modified_at, items.c.text)
#: at most this many paths per statement: a request path, its book and its home
MAX_PATHS = 3
_PATH_NAMES = tuple(f"p{i}" for i in range(MAX_PATHS))
_BY_PATHS = RawStatement(select(*_COLLECTION).where(
    collections.c.path.in_([bindparam(name) for name in _PATH_NAMES])))
_BY_PATH = RawStatement(select(*_COLLECTION).where(collections.c.path == bindparam("path")))
_ITEM_BY_HREF = RawStatement(select(*_ITEM).where(items.c.collection_id == bindparam("cid"),
                                                  items.c.href == bindparam("href")))
_HAS_UID = RawStatement(select(items.c.id).where(items.c.collection_id == bindparam("cid"),
                                                 items.c.uid == bindparam("uid")).limit(1))


def _collection(row: Sequence[Any]) -> CollectionRecord:
    ident, path, tag, props, modified_at, sync_seq, sync_floor, epoch = row
    return CollectionRecord(id=ident, path=path, tag=tag, props=json.loads(props),
                            modified_at=modified_at, sync_seq=sync_seq,
                            sync_floor=sync_floor, sync_epoch=epoch)


def collections_at(conn: Connection, wanted: Sequence[str]) -> dict[str, CollectionRecord]:
    """The collections stored at the paths ``wanted`` (at most :data:`MAX_PATHS`), by
    path, as ``collections.get_many``."""
    if not wanted or len(wanted) > MAX_PATHS:
        raise ValueError(f"1 to {MAX_PATHS} paths, not {len(wanted)}")
    # a path given again in the unused places: the same rows
    params = {name: wanted[min(i, len(wanted) - 1)] for i, name in enumerate(_PATH_NAMES)}
    return {row[1]: _collection(row) for row in _BY_PATHS.execute(conn, params)}


def collection_at(conn: Connection, path: str) -> CollectionRecord | None:
    """The collection stored at ``path``, as ``collections.get``."""
    rows = _BY_PATH.execute(conn, {"path": path})
    return _collection(rows[0]) if rows else None


def item_at(conn: Connection, collection_id: int, href: str) -> ItemRecord | None:
    """The item ``href`` of a collection, with its text, as ``items.get``."""
    rows = _ITEM_BY_HREF.execute(conn, {"cid": collection_id, "href": href})
    if not rows:
        return None
    (cid, item_href, uid, name, component, etag, time_start, time_end, modified_at,
     text) = rows[0]
    return ItemRecord(collection_id=cid, href=item_href, uid=uid, name=name,
                      component=component, etag=etag, time_start=time_start,
                      time_end=time_end, modified_at=modified_at, text=text)


def has_uid(conn: Connection, collection_id: int, uid: str) -> bool:
    """Whether the collection holds an item with ``uid``, as ``items.has_uid``."""
    return bool(_HAS_UID.execute(conn, {"cid": collection_id, "uid": uid}))

"""The audit trail: who changed what, from where, written in the same transaction as
the change (issue 13 item 3).

One row per change: when, who (``actor``), the :class:`WriteOrigin` facts (door,
address, method), what (collection, item href and UID), the kind of change and the
item's previous and new ETag. ``action`` keeps the finer name used since the first
schema (``item.put``, ``share.update``...); ``detail`` is free JSON and never holds a
password or a share link's token (callers mask them).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from cms_dav.store.raw import RawStatement
from cms_dav.store.records import WriteOrigin
from cms_dav.store.schema import audit

#: plain DB-API (:mod:`cms_dav.store.raw`): every write adds a row
_INSERT = RawStatement(audit.insert())

#: the kinds an entry can have; item kinds first, then the collection-level ones
KINDS = ("create", "update", "delete", "move", "share", "restore", "collection-create",
         "collection-replace", "collection-props", "collection-delete", "purge", "user")

#: kind of the actions whose caller does not say it
_KIND_OF_ACTION = {
    "item.delete": "delete", "item.move": "move", "trash.restore": "restore",
    "backup.restore": "restore", "trash.purge": "purge", "contact.note.remove": "update",
    "collection.create": "collection-create", "collection.replace": "collection-replace",
    "collection.props": "collection-props", "collection.delete": "collection-delete",
}


def kind_of(action: str) -> str:
    """The kind of an entry recorded under ``action`` (``share.*`` is "share")."""
    if action.startswith("share."):
        return "share"
    if action.startswith("user."):
        return "user"
    return _KIND_OF_ACTION.get(action, "")


def record(conn: Connection, origin: WriteOrigin | str, action: str, target: str = "",
           detail: dict[str, Any] | None = None, *, kind: str = "", collection: str = "",
           href: str = "", uid: str = "", old_etag: str = "", new_etag: str = "") -> None:
    """One entry. ``origin``: a plain user name when the caller knows no more (door "")."""
    _INSERT.execute(conn, entry(origin, action, target, detail, kind=kind,
                                collection=collection, href=href, uid=uid,
                                old_etag=old_etag, new_etag=new_etag))


def entry(origin: WriteOrigin | str, action: str, target: str = "",
          detail: dict[str, Any] | None = None, *, kind: str = "", collection: str = "",
          href: str = "", uid: str = "", old_etag: str = "", new_etag: str = ""
          ) -> dict[str, Any]:
    """The row :func:`record` inserts, stamped now: for a batch of writes that
    inserts its entries together (:func:`record_many`)."""
    if isinstance(origin, str):
        origin = WriteOrigin(user=origin)
    return dict(
        at=time.time(), actor=origin.user or "", action=action, target=target,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        # cut to the columns' widths: an odd peer address or method never fails a write
        door=origin.door[:16], address=origin.address[:64], method=origin.method[:128],
        kind=kind or kind_of(action), collection=collection, href=href, uid=uid,
        old_etag=old_etag, new_etag=new_etag)


def record_many(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Insert entries made by :func:`entry`, in their order, as one executemany."""
    _INSERT.execute_many(conn, entries)


@dataclass(frozen=True)
class AuditFilter:
    """What ``cms-dav audit`` asks for; every field None/empty = no condition."""

    user: str | None = None
    #: a contact: entries with one of these UIDs, or for one of these (collection, href)
    uids: tuple[str, ...] = ()
    items: tuple[tuple[str, str], ...] = ()
    #: item hrefs in any collection (a contact named by an href that no longer exists)
    hrefs: tuple[str, ...] = ()
    collection: str | None = None
    since: float | None = None
    limit: int = 100


#: the keys of one entry as :func:`search` returns it (the JSON output's keys)
ENTRY_KEYS = ("id", "at", "user", "door", "address", "method", "kind", "action",
              "collection", "href", "uid", "old_etag", "new_etag", "target", "detail")


def search(conn: Connection, wanted: AuditFilter) -> list[dict[str, Any]]:
    """Entries matching ``wanted``, newest first."""
    query = select(audit).order_by(audit.c.at.desc(), audit.c.id.desc()).limit(wanted.limit)
    if wanted.user is not None:
        query = query.where(audit.c.actor == wanted.user)
    if wanted.collection is not None:
        path = wanted.collection.strip("/")
        query = query.where(or_(audit.c.collection == path,
                                audit.c.collection.startswith(path + "/", autoescape=True)))
    if wanted.since is not None:
        query = query.where(audit.c.at >= wanted.since)
    if wanted.uids or wanted.items or wanted.hrefs:
        conditions: list[ColumnElement[bool]] = (
            [audit.c.uid.in_(wanted.uids)] if wanted.uids else [])
        if wanted.hrefs:
            conditions.append(audit.c.href.in_(wanted.hrefs))
        conditions += [and_(audit.c.collection == c, audit.c.href == h)
                       for c, h in wanted.items]
        query = query.where(or_(*conditions))
    return [_entry(row) for row in conn.execute(query)]


def _entry(row: Any) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "user": row.actor, "door": row.door,
            "address": row.address, "method": row.method, "kind": row.kind,
            "action": row.action, "collection": row.collection, "href": row.href,
            "uid": row.uid, "old_etag": row.old_etag, "new_etag": row.new_etag,
            "target": row.target, "detail": json.loads(row.detail)}


def recent(conn: Connection, limit: int = 100, actor: str | None = None
           ) -> list[dict[str, Any]]:
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(audit.c.actor == actor)
    return [dict(row._mapping, detail=json.loads(row.detail))
            for row in conn.execute(query)]

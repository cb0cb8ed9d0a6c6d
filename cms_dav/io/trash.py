"""The trash: deleted items (``history`` rows with action "deleted") and deleted
collections (``trash_collections``), restorable until purged.

Restoring writes through the Store like any client would, so syncing clients see
the object reappear; the trash entry is consumed and audited in the same transaction
(:meth:`Store.transaction`).  Items that
went away with a deleted collection are restored with it, not one by one.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, select

from cms_dav.io.stored_items import item_data
from cms_dav.store import audit
from cms_dav.store import collections as collection_rows
from cms_dav.store import items as item_rows
from cms_dav.store.schema import history, trash_collections
from cms_dav.store.store import Store

DAY = 86_400.0
#: a collection's items are deleted (one timestamp each) just before its trash row
COLLECTION_WINDOW = 600.0


class TrashError(ValueError):
    pass


@dataclass
class TrashEntry:
    id: str          # "item-<n>" or "collection-<n>"
    kind: str        # "item" | "collection"
    path: str        # collection path, no slashes around
    href: str        # "" for a collection
    uid: str
    actor: str
    deleted_at: float
    items: int = 0   # for a collection: how many items come back with it

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def owner(self) -> str:
        return self.path.split("/", 1)[0]


def list_trash(store: Store) -> list[TrashEntry]:
    """Newest first."""
    with store.reading() as conn:
        folders = list(conn.execute(select(trash_collections)))
        entries = [_collection_entry(conn, row) for row in folders]
        for row in conn.execute(select(history.c.id, history.c.collection_path,
                                       history.c.href, history.c.uid, history.c.actor,
                                       history.c.at).where(history.c.action == "deleted")):
            if not any(_went_with(row, folder) for folder in folders):
                entries.append(TrashEntry(f"item-{row.id}", "item", row.collection_path,
                                          row.href, row.uid, row.actor, row.at))
    return sorted(entries, key=lambda e: -e.deleted_at)


def collection_in_trash(store: Store, path: str) -> bool:
    """Whether a collection deleted at ``path`` is still in the trash."""
    with store.reading() as conn:
        return conn.execute(select(trash_collections.c.id).where(
            trash_collections.c.path == path).limit(1)).first() is not None


def _went_with(item_row: Any, folder_row: Any) -> bool:
    return (item_row.collection_path == folder_row.path
            and item_row.actor == folder_row.actor
            and folder_row.deleted_at - COLLECTION_WINDOW <= item_row.at <= folder_row.deleted_at)


def _items_of(conn: Connection, folder: Row[Any]) -> list[Row[Any]]:
    """The last version of every item deleted together with ``folder``."""
    rows = conn.execute(select(history).where(and_(
        history.c.action == "deleted", history.c.collection_path == folder.path,
        history.c.actor == folder.actor,
        history.c.at >= folder.deleted_at - COLLECTION_WINDOW,
        history.c.at <= folder.deleted_at)).order_by(history.c.id))
    latest = {row.href: row for row in rows}
    return list(latest.values())


def _collection_entry(conn: Connection, row: Row[Any]) -> TrashEntry:
    return TrashEntry(f"collection-{row.id}", "collection", row.path, "", "", row.actor,
                      row.deleted_at, len(_items_of(conn, row)))


def find(store: Store, entry_id: str) -> TrashEntry:
    for entry in list_trash(store):
        if entry.id == entry_id:
            return entry
    raise TrashError(f"no trash entry {entry_id!r} (see: cms-dav trash list)")


def restore(store: Store, entry_id: str, actor: str) -> TrashEntry:
    entry = find(store, entry_id)
    if entry.kind == "item":
        _restore_item(store, entry, actor)
    else:
        _restore_collection(store, entry, actor)
    return entry


def _restore_item(store: Store, entry: TrashEntry, actor: str) -> None:
    """The item, its sync log, indexes, history, outbox, the trash row's removal and the
    audit rows in one transaction: a failure anywhere leaves the item in the trash and
    not restored, never restored *and* still in the trash (a second restore would then
    write it twice). The checks run under the collection's write lock, in that same
    transaction, so no write can slip between check and restore."""
    number = int(entry.id.split("-", 1)[1])
    with store.transaction([entry.path]) as conn:
        collection = collection_rows.get(conn, entry.path)
        if collection is None:
            raise TrashError(f"cannot restore {entry.href}: its collection /{entry.path}/ "
                             "no longer exists (restore the collection first)")
        if item_rows.get(conn, collection.id, entry.href, with_text=False) is not None:
            raise TrashError(f"cannot restore {entry.href}: /{entry.path}/{entry.href} "
                             "exists again")
        if item_rows.has_uid(conn, collection.id, entry.uid):
            raise TrashError(f"cannot restore {entry.href}: another item of /{entry.path}/ "
                             f"has its UID {entry.uid!r}")
        text = conn.execute(select(history.c.text).where(
            history.c.id == number, history.c.action == "deleted")).scalar_one_or_none()
        if text is None:
            raise TrashError(f"no trash entry {entry.id!r} (restored or purged meanwhile)")
        store.put_item(entry.path, entry.href,
                       item_data(text, collection.tag, entry.path), actor,
                       audit_kind="restore",
                       attested=True)  # the server's own copy: its history stays as it was
        conn.execute(delete(history).where(history.c.id == number))
        audit.record(conn, store.origin(actor), "trash.restore", f"{entry.path}/{entry.href}",
                     {"entry": entry.id}, collection=entry.path, href=entry.href,
                     uid=entry.uid)


def _restore_collection(store: Store, entry: TrashEntry, actor: str) -> None:
    """The collections, their items and the trash rows' removal in one transaction, like
    :func:`_restore_item`."""
    number = int(entry.id.split("-", 1)[1])
    with store.reading() as conn:
        top = conn.execute(select(trash_collections)
                           .where(trash_collections.c.id == number)).one()
        family = [row for row in conn.execute(select(trash_collections).where(
            trash_collections.c.deleted_at == top.deleted_at))
            if row.path == top.path or row.path.startswith(top.path + "/")]
        family.sort(key=lambda row: row.path.count("/"))
        contents = {row.id: _items_of(conn, row) for row in family}
    with store.transaction([row.path for row in family]) as conn:
        for row in family:
            if collection_rows.get(conn, row.path) is not None:
                raise TrashError(f"cannot restore /{row.path}/: a collection with that "
                                 "path exists again")
        for row in family:
            gone = conn.execute(delete(trash_collections)
                                .where(trash_collections.c.id == row.id)).rowcount
            if gone != 1:
                raise TrashError(f"no trash entry {entry.id!r} (restored or purged "
                                 "meanwhile)")
            props = json.loads(row.props)
            new_items = [(item.href, item_data(item.text, row.tag, row.path))
                         for item in contents[row.id]]
            store.replace_collection(row.path, props, new_items, actor,
                                     attested=True)  # the server's own copies
            ids = [item.id for item in contents[row.id]]
            if ids:
                conn.execute(delete(history).where(history.c.id.in_(ids)))
        audit.record(conn, store.origin(actor), "trash.restore", top.path,
                     {"entry": entry.id, "collections": len(family)})


def purge(store: Store, older_than_days: float, actor: str,
          now: float | None = None) -> tuple[int, int]:
    """Forget deleted items and collections older than the cut-off: (items, collections)."""
    cutoff = (time.time() if now is None else now) - older_than_days * DAY
    with store.writing() as conn:
        items = conn.execute(delete(history).where(
            history.c.action == "deleted", history.c.at < cutoff)).rowcount
        folders = conn.execute(delete(trash_collections).where(
            trash_collections.c.deleted_at < cutoff)).rowcount
        audit.record(conn, store.origin(actor), "trash.purge", "",
                     {"older_than_days": older_than_days, "items": items,
                      "collections": folders})
    return items, folders


def _item_entry(row: Any) -> TrashEntry:
    return TrashEntry(f"item-{row.id}", "item", row.collection_path, row.href, row.uid,
                      row.actor, row.at)


def _went_with_a_collection(conn: Connection, row: Any) -> bool:
    """Whether the deleted item ``row`` went with its trashed collection (restored with
    it, not alone): the same test as :func:`list_trash`, for one path."""
    folders = conn.execute(select(trash_collections).where(
        trash_collections.c.path == row.collection_path))
    return any(_went_with(row, folder) for folder in folders)


def deleted_items(store: Store, paths: list[str], limit: int) -> list[TrashEntry]:
    """The newest ``limit`` deleted items of the collections ``paths`` (bounded: the web
    app's trash page never reads the whole trash), newest first."""
    if not paths or limit <= 0:
        return []
    with store.reading() as conn:
        rows = conn.execute(
            select(history.c.id, history.c.collection_path, history.c.href, history.c.uid,
                   history.c.actor, history.c.at)
            .where(history.c.action == "deleted", history.c.collection_path.in_(paths))
            .order_by(history.c.at.desc(), history.c.id.desc()).limit(limit))
        return [_item_entry(row) for row in rows if not _went_with_a_collection(conn, row)]


def deleted_item(store: Store, entry_id: str) -> TrashEntry:
    """The trash entry of one deleted item by its id ("item-<n>"), found by one keyed
    read (not by listing the trash); :class:`TrashError` when there is none."""
    kind, _, number = entry_id.partition("-")
    if kind != "item" or not number.isdigit() or len(number) > 18:
        raise TrashError(f"no trash entry {entry_id!r}")
    with store.reading() as conn:
        row = conn.execute(select(history.c.id, history.c.collection_path, history.c.href,
                                  history.c.uid, history.c.actor, history.c.at)
                           .where(history.c.id == int(number),
                                  history.c.action == "deleted")).first()
        if row is None or _went_with_a_collection(conn, row):
            raise TrashError(f"no trash entry {entry_id!r}")
        return _item_entry(row)


def last_deleted(store: Store, path: str, href: str) -> TrashEntry | None:
    """The newest trash entry of item ``href`` of ``path`` (after a delete: its undo)."""
    with store.reading() as conn:
        row = conn.execute(select(history.c.id, history.c.collection_path, history.c.href,
                                  history.c.uid, history.c.actor, history.c.at)
                           .where(history.c.collection_path == path, history.c.href == href,
                                  history.c.action == "deleted")
                           .order_by(history.c.id.desc()).limit(1)).first()
    return None if row is None else _item_entry(row)


def deleted_text(store: Store, entry: TrashEntry) -> str:
    """The card as it was when deleted (to name it on the trash page)."""
    with store.reading() as conn:
        return str(conn.execute(select(history.c.text).where(
            history.c.id == int(entry.id.split("-", 1)[1]))).scalar_one_or_none() or "")


def restore_item(store: Store, entry: TrashEntry, actor: str) -> None:
    """Put one deleted item back (an entry from :func:`deleted_item`)."""
    _restore_item(store, entry, actor)

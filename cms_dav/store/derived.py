"""Server-generated collections (birthday, follow-up calendars): their whole content is
replaced by a diff against what the generator wants, inside one write transaction.

Item changes go through :mod:`cms_dav.store.items`, so the change log gives clients
exact ``sync-collection`` deltas (RFC 6578 §3.5). Generated items that are removed are
recorded in history with action ``regenerated``, which the trash never lists: a
generated event is not something a user deleted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Collection, Mapping, Sequence

from sqlalchemy import Connection, delete, select

from cms_dav.store import collections, items
from cms_dav.store.records import CollectionRecord, ItemData
from cms_dav.store.schema import derived_state

#: history action of generated items replaced or removed (not in the trash)
REGENERATED = "regenerated"

if TYPE_CHECKING:
    from cms_dav.store.store import WriteHook


@dataclass(frozen=True)
class Regenerated:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def fingerprint(conn: Connection, path: str) -> str | None:
    return conn.execute(select(derived_state.c.fingerprint).where(
        derived_state.c.path == path)).scalar()


def set_fingerprint(conn: Connection, path: str, value: str) -> None:
    conn.execute(delete(derived_state).where(derived_state.c.path == path))
    conn.execute(derived_state.insert().values(path=path, fingerprint=value,
                                               refreshed_at=time.time()))


def forget(conn: Connection, path: str) -> None:
    conn.execute(delete(derived_state).where(derived_state.c.path == path))


def replace_items(conn: Connection, record: CollectionRecord, wanted: Mapping[str, ItemData],
                  keep: Collection[str], actor: str, token_days: int,
                  hooks: Sequence[WriteHook] = ()) -> Regenerated:
    """Make the collection hold ``wanted`` and ``keep``: put what is new or whose text
    differs, remove what is in neither; the items in ``keep`` (and wanted items whose
    text is the stored one) keep their ETag and sync position."""
    stored = {item.href: item for item in items.iter_all(conn, record.id)}
    added = changed = removed = 0
    for href, data in wanted.items():
        old = stored.get(href)
        if old is not None and old.text == data.text:
            continue
        if old is not None:
            changed += 1
        else:
            added += 1
        new, _ = items.put(conn, record, href, data, actor, token_days, old=old)
        for hook in hooks:
            hook.item_written(conn, record, new, old)
    for href in sorted(stored.keys() - wanted.keys() - set(keep)):
        items.remove(conn, record, href, actor, token_days, action=REGENERATED)
        for hook in hooks:
            hook.item_deleted(conn, record, stored[href])
        removed += 1
    return Regenerated(added, changed, removed)


def drop(conn: Connection, path: str, actor: str, token_days: int,
         hooks: Sequence[WriteHook] = ()) -> bool:
    """Delete a generated collection and its items, not into the trash."""
    record = collections.get(conn, path)
    if record is None:
        return False
    for item in list(items.iter_all(conn, record.id)):
        items.remove(conn, record, item.href, actor, token_days, action=REGENERATED)
        for hook in hooks:
            hook.item_deleted(conn, record, item)
    collections.delete_tree(conn, path)
    forget(conn, path)
    return True

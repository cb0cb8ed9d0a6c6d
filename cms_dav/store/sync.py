"""RFC 6578 sync tokens over the per-collection change log.

A token is ``<prefix><epoch>-<seq>``. ``seq`` is the collection's change counter,
bumped under the collection's row lock, so within one collection seq order is commit
order and "everything after seq" is exactly the set of changes a client missed.
Incremental sync reads only the change rows after the token: O(changes).
"""

from __future__ import annotations

import secrets
import time
from typing import Iterable

from sqlalchemy import Connection, bindparam, delete, func, select, update

from cms_dav.store.raw import RawStatement
from cms_dav.store.records import CollectionRecord
from cms_dav.store.schema import changes, collections, items

TOKEN_PREFIX = "http://cms-dav.org/ns/sync/"
#: prune old change rows every this many changes of a collection
PRUNE_EVERY = 256


class InvalidSyncToken(ValueError):
    """Radicale turns this into 403 DAV:valid-sync-token; the client resyncs fully."""


def new_epoch() -> str:
    return secrets.token_hex(8)


def make_token(epoch: str, seq: int) -> str:
    return f"{TOKEN_PREFIX}{epoch}-{seq}"


def parse_token(token: str) -> tuple[str, int]:
    if not token.startswith(TOKEN_PREFIX):
        raise InvalidSyncToken(f"malformed sync token {token!r}")
    epoch, _, seq = token[len(TOKEN_PREFIX):].partition("-")
    if not epoch or not seq.isdigit():
        raise InvalidSyncToken(f"malformed sync token {token!r}")
    return epoch, int(seq)


#: a write's own statements run as plain DB-API (:mod:`cms_dav.store.raw`, issue 19)
_BUMP = RawStatement(update(collections).where(collections.c.id == bindparam("cid"))
                     .values(sync_seq=collections.c.sync_seq + 1,
                             modified_at=bindparam("when"))
                     .returning(collections.c.sync_seq))
_LOG = RawStatement(changes.insert())


def bump(conn: Connection, collection_id: int, when: float | None = None) -> int:
    """Take the collection's row lock and return its next change number."""
    when = time.time() if when is None else when
    ((seq,),) = _BUMP.execute(conn, {"cid": collection_id, "when": when})
    return int(seq)


def log_change(conn: Connection, collection_id: int, seq: int, href: str,
               deleted: bool, when: float) -> None:
    _LOG.execute(conn, change_row(collection_id, seq, href, deleted, when))


def change_row(collection_id: int, seq: int, href: str, deleted: bool, when: float
               ) -> dict[str, object]:
    """The change-log row :func:`log_change` inserts."""
    return dict(collection_id=collection_id, seq=seq, href=href, deleted=deleted, at=when)


def log_changes(conn: Connection, rows: list[dict[str, object]]) -> None:
    """Insert rows made by :func:`change_row` (a batch's, in seq order) together."""
    _LOG.execute_many(conn, rows)


def prune(conn: Connection, collection_id: int, seq: int, max_age_days: int) -> None:
    """Forget changes older than the token lifetime; tokens before them become invalid."""
    if seq % PRUNE_EVERY:
        return
    cutoff = time.time() - max_age_days * 86400
    newest_old = conn.execute(select(func.max(changes.c.seq)).where(
        changes.c.collection_id == collection_id, changes.c.at < cutoff)).scalar()
    if newest_old is None:
        return
    conn.execute(delete(changes).where(changes.c.collection_id == collection_id,
                                       changes.c.seq <= newest_old))
    conn.execute(update(collections).where(collections.c.id == collection_id)
                 .values(sync_floor=newest_old))


def changed_hrefs(conn: Connection, collection: CollectionRecord,
                  old_token: str) -> tuple[str, Iterable[str]]:
    token = make_token(collection.sync_epoch, collection.sync_seq)
    if not old_token:
        hrefs = conn.execute(select(items.c.href)
                             .where(items.c.collection_id == collection.id)).scalars().all()
        return token, hrefs
    epoch, seq = parse_token(old_token)
    if epoch != collection.sync_epoch:
        raise InvalidSyncToken("sync token is from another incarnation of this collection")
    if seq > collection.sync_seq:
        raise InvalidSyncToken("sync token is from the future")
    if seq < collection.sync_floor:
        raise InvalidSyncToken("sync token has expired")
    if seq == collection.sync_seq:
        return token, ()
    hrefs = conn.execute(select(changes.c.href).distinct().where(
        changes.c.collection_id == collection.id, changes.c.seq > seq)).scalars().all()
    return token, hrefs

"""Retention: what housekeeping removes from the history, the trash, the audit trail and
the sync log, in bounded batches.

Each batch is its own short write transaction of at most ``batch`` rows, followed by
a ``pause``, so a writer waits at most one batch: SQLite has one write lock, and a
writer waiting in its busy handler polls (up to 100 ms apart), so back-to-back batches
would starve it (measured: a PUT still waiting after 60 s); PostgreSQL locks rows only
while their batch runs. Every step is idempotent: deleting by a cut-off twice, or on
two nodes at once, removes the same rows once.

- **History** (:func:`prune_history`): an earlier version (``replaced``/``moved``) is
  kept while it is younger than ``[history] days``, and the newest ``[history] keep``
  versions of each item (collection path, href) are kept however old.
- **Trash** (:func:`purge_trash`): ``deleted`` versions (what the trash restores) and
  trashed collections go after ``[trash] days``, never by the history rules; a deleted
  item is kept while a trashed collection of its path deleted after it is restorable.
- **Audit** (:func:`prune_audit`): entries older than ``[audit] days``.
- **App passwords** (:func:`prune_app_passwords`): revoked or expired ones, once
  revoked or expired longer than ``[auth] app_password_days`` ago (until then
  ``cms-dav token list`` shows them, for "which device used it last?").
- **Sync log** (:func:`expire_sync_log`): changes older than ``sync_token_days``; the
  collection's ``sync_floor`` moves first, so a token from before it gets the RFC 6578
  §3.2 ``DAV:valid-sync-token`` error (a full resync) instead of a partial answer.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import (ColumnElement, Connection, Engine, Row, Table, delete, func, or_,
                        select, update)

from cms_dav.store.engine import write_tx, read_tx
from cms_dav.store.schema import (app_passwords, audit, changes, collections, history,
                                  trash_collections)

DAY = 86_400.0
#: one batch of history rows: (id, collection_path, href, at)
HistoryRows = Sequence[Row[Any, Any, Any, Any]]


@dataclass(frozen=True)
class RetentionRules:
    """The retention settings one housekeeping run applies (days may be fractions)."""

    history_days: float = 90
    history_keep: int = 10
    trash_days: float = 30
    audit_days: float = 365
    token_days: float = 30
    app_password_days: float = 30
    batch: int = 500
    #: seconds between two batches, so waiting writers get the (SQLite) write lock
    pause: float = 0.1


@dataclass
class Removed:
    """What one run removed."""

    history_versions: int = 0
    trash_items: int = 0
    trash_collections: int = 0
    audit_entries: int = 0
    sync_changes: int = 0
    #: collections whose sync floor moved (their older tokens are now invalid)
    sync_floors_moved: int = 0
    app_passwords: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(self.as_dict().values())


class Interrupted(Exception):
    """The run was asked to stop (the server is shutting down) between two batches."""


def apply(engine: Engine, rules: RetentionRules, now: float | None = None,
          stop: threading.Event | None = None) -> Removed:
    """Apply every rule once; returns the counts. Raises :class:`Interrupted` when
    ``stop`` is set before a batch (what was removed so far stays removed)."""
    when = time.time() if now is None else now
    removed = Removed()
    batches = Batches(rules.batch, rules.pause, stop)
    removed.history_versions = prune_history(engine, when - rules.history_days * DAY,
                                             rules.history_keep, batches)
    removed.trash_items, removed.trash_collections = purge_trash(
        engine, when - rules.trash_days * DAY, batches)
    removed.audit_entries = prune_audit(engine, when - rules.audit_days * DAY, batches)
    removed.sync_floors_moved, removed.sync_changes = expire_sync_log(
        engine, when - rules.token_days * DAY, batches)
    removed.app_passwords = prune_app_passwords(
        engine, when - rules.app_password_days * DAY, batches)
    return removed


class Batches:
    """Runs the batches of one housekeeping run: each a write transaction, with a pause
    before every one but the first."""

    def __init__(self, size: int = 500, pause: float = 0.1,
                 stop: threading.Event | None = None) -> None:
        self.size = size
        self.pause = pause
        self.stop = stop or threading.Event()
        self.count = 0

    @contextmanager
    def transaction(self, engine: Engine) -> Iterator[Connection]:
        if self.count and self.pause > 0:
            self.stop.wait(self.pause)
        if self.stop.is_set():
            raise Interrupted("housekeeping stopped between two batches")
        self.count += 1
        with write_tx(engine) as conn:
            yield conn


def prune_history(engine: Engine, cutoff: float, keep: int, batches: Batches) -> int:
    """Delete earlier versions written before ``cutoff``, except each item's newest
    ``keep`` versions (of any kind) and every ``deleted`` version (the trash's)."""
    def doomed(conn: Connection, rows: HistoryRows) -> list[int]:
        kept = _newest_versions(conn, {(row.collection_path, row.href) for row in rows}, keep)
        return [row.id for row in rows if row.id not in kept]

    return _delete_history(engine, history.c.action != "deleted", cutoff, doomed, batches)


def _delete_history(engine: Engine, kind: ColumnElement[bool], cutoff: float,
                    doomed: Callable[[Connection, HistoryRows], list[int]],
                    batches: Batches) -> int:
    """Walk the ``kind`` versions written before ``cutoff`` a batch at a time, by id,
    deleting those of each batch that ``doomed`` picks; the number deleted."""
    total, after = 0, 0
    while True:
        with batches.transaction(engine) as conn:
            rows = conn.execute(
                select(history.c.id, history.c.collection_path, history.c.href,
                       history.c.at)
                .where(kind, history.c.at < cutoff, history.c.id > after)
                .order_by(history.c.id).limit(batches.size)).all()
            ids = doomed(conn, rows)
            if ids:
                conn.execute(delete(history).where(history.c.id.in_(ids)))
        total += len(ids)
        if len(rows) < batches.size:
            return total
        after = rows[-1].id


def _newest_versions(conn: Connection, keys: set[tuple[str, str]], keep: int) -> set[int]:
    """The ids of each item's newest ``keep`` versions (index ``ix_history_item``)."""
    kept: set[int] = set()
    if keep <= 0:
        return kept
    for path, href in keys:
        kept.update(conn.execute(
            select(history.c.id).where(history.c.collection_path == path,
                                       history.c.href == href)
            .order_by(history.c.id.desc()).limit(keep)).scalars())
    return kept


def purge_trash(engine: Engine, cutoff: float, batches: Batches) -> tuple[int, int]:
    """Forget items and collections deleted before ``cutoff``: (items, collections)."""
    with read_tx(engine) as conn:
        # (path, deleted_at) of trashed collections that stay: their items stay too
        young = [(row.path, row.deleted_at) for row in conn.execute(
            select(trash_collections.c.path, trash_collections.c.deleted_at)
            .where(trash_collections.c.deleted_at >= cutoff))]

    def doomed(conn: Connection, rows: HistoryRows) -> list[int]:
        return [row.id for row in rows if not any(
            row.collection_path == path and row.at <= deleted_at
            for path, deleted_at in young)]

    items = _delete_history(engine, history.c.action == "deleted", cutoff, doomed, batches)
    folders = _delete_where(engine, trash_collections,
                            trash_collections.c.deleted_at < cutoff, batches)
    return items, folders


def prune_audit(engine: Engine, cutoff: float, batches: Batches) -> int:
    """Delete audit entries recorded before ``cutoff``."""
    return _delete_where(engine, audit, audit.c.at < cutoff, batches)


def prune_app_passwords(engine: Engine, cutoff: float, batches: Batches) -> int:
    """Delete app passwords revoked or expired before ``cutoff`` (live ones stay)."""
    dead = or_(app_passwords.c.revoked_at < cutoff, app_passwords.c.expires_at < cutoff)
    return _delete_where(engine, app_passwords, dead, batches)


def _delete_where(engine: Engine, table: Table, condition: ColumnElement[bool],
                  batches: Batches) -> int:
    """Delete the rows of ``table`` that meet ``condition`` a batch at a time, by id;
    the number deleted."""
    total = 0
    while True:
        with batches.transaction(engine) as conn:
            ids = conn.execute(select(table.c.id).where(condition)
                               .order_by(table.c.id).limit(batches.size)).scalars().all()
            if ids:
                conn.execute(delete(table).where(table.c.id.in_(ids)))
        total += len(ids)
        if len(ids) < batches.size:
            return total


def expire_sync_log(engine: Engine, cutoff: float, batches: Batches) -> tuple[int, int]:
    """Move each collection's sync floor past its changes older than ``cutoff`` and
    delete them: (collections whose floor moved, change rows deleted).

    The floor moves first, under the collection's row lock (the one every write takes
    to bump ``sync_seq``), in the transaction of the first batch; from then on no valid
    token reads the old rows, so the rest can go in later batches."""
    with read_tx(engine) as conn:
        newest_old = conn.execute(
            select(changes.c.collection_id, func.max(changes.c.seq))
            .where(changes.c.at < cutoff).group_by(changes.c.collection_id)).all()
    moved = deleted = 0
    for collection_id, floor in newest_old:
        first = True
        while True:
            with batches.transaction(engine) as conn:
                if first:
                    moved += conn.execute(update(collections).where(
                        collections.c.id == collection_id, collections.c.sync_floor < floor)
                        .values(sync_floor=floor)).rowcount
                    first = False
                ids = conn.execute(select(changes.c.id).where(
                    changes.c.collection_id == collection_id, changes.c.seq <= floor)
                    .limit(batches.size)).scalars().all()
                if ids:
                    conn.execute(delete(changes).where(changes.c.id.in_(ids)))
            deleted += len(ids)
            if len(ids) < batches.size:
                break
    return moved, deleted

"""WAL checkpoints off the request path, for a long-running server on SQLite.

By default SQLite checkpoints inside whichever commit pushes the WAL past 1,000
pages: that PUT copies ~4 MB into the database file and fsyncs it, which measured
as the difference between a PUT p95 of 12 ms and one of 20 ms at 100k cards. A
server process instead turns the automatic checkpoint off on its own connections
and runs a PASSIVE checkpoint from a daemon thread every ``interval`` seconds.
PASSIVE never blocks readers or writers; a checkpoint that cannot finish (a reader
still needs old frames) simply finishes on a later round. Other processes (the CLI)
keep SQLite's automatic checkpoints, so the WAL stays bounded when no server runs.

A PASSIVE checkpoint never shrinks the ``-wal`` file: after a bulk write it kept up to
``journal_size_limit`` (64 MB) on disk for good, which was most of the data on disk of
a 1,000-card book. When a round finds every frame copied and the file larger than
:data:`TRUNCATE_ABOVE`, it also runs a TRUNCATE checkpoint with no busy wait: it
either empties the file at once or gives up (a reader or writer is active) and is
tried again on a later round, so it never makes a request wait for it.

Under writers that never pause (4 clients uploading into one book) a PASSIVE round never
catches up: commits land while it copies (a PUT adds ~90 pages), so the log is never
fully copied when the next writer starts, SQLite never restarts it from its beginning,
and it grows by every write until a TRUNCATE finds a moment without readers and writers
(a ``-wal`` file of 39-205 MB at its largest in 2,000-3,000 cards with 4 clients, 11 MB
with 1). Every page read then searches one more wal-index hash table per 4,096 frames,
and each round copies more. So when a round leaves more than :data:`RESTART_ABOVE`
bytes of log it did not empty, it runs a RESTART checkpoint: SQLite takes the write lock
(new writers wait; they poll at 1 ms), copies the frames the PASSIVE round left and
waits for readers of old frames, at most :data:`RESTART_WAIT_MS` in all; the next commit
then writes from the log's beginning (issue 19).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger("cms_dav.store")

#: a fully checkpointed ``-wal`` file larger than this is truncated to 0 bytes
TRUNCATE_ABOVE = 4 * 1024 * 1024
#: a log holding more than this after a PASSIVE round is restarted (see the module doc)
RESTART_ABOVE = 16 * 1024 * 1024
#: how long a RESTART round waits for the write lock and for readers, in milliseconds:
#: it holds the write lock while it waits for readers, so this bounds a writer's stall
#: (a long reader, e.g. a multiget of all, makes the round give up; a later one retries)
RESTART_WAIT_MS = 25


@dataclass
class Checkpointer:
    engine: Engine
    interval: float = 1.0
    runs: int = 0
    #: (busy, WAL frames, frames checkpointed) of the last round, as SQLite reports them
    last: tuple[int, int, int] = (0, 0, 0)
    #: rounds that emptied the ``-wal`` file
    truncations: int = 0
    #: rounds that restarted a log writers kept growing (RESTART checkpoints that finished)
    restarts: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run_once(self) -> tuple[int, int, int]:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            row = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            busy, frames, copied = int(row[0]), int(row[1]), int(row[2])
            emptied = 0
            if not busy and copied == frames and self.wal_size() > TRUNCATE_ABOVE:
                emptied = _truncate(cursor)
                self.truncations += emptied
            if not emptied and frames * _page_size(cursor) > RESTART_ABOVE:
                self.restarts += _restart(cursor)
        finally:
            raw.close()
        self.runs += 1
        self.last = (busy, frames, copied)
        return self.last

    def wal_size(self) -> int:
        """Bytes of the database's ``-wal`` file (0 when there is none)."""
        try:
            return os.path.getsize(f"{self.engine.url.database}-wal")
        except OSError:
            return 0

    def loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a failed round is retried, never fatal
                log.warning("background WAL checkpoint failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()


def _truncate(cursor: Any) -> int:
    """A TRUNCATE checkpoint that does not wait: 1 if it emptied the WAL, else 0."""
    return _checkpoint(cursor, "TRUNCATE", 0)


def _page_size(cursor: Any) -> int:
    return int(cursor.execute("PRAGMA page_size").fetchone()[0])


def _restart(cursor: Any) -> int:
    """A RESTART checkpoint waiting at most :data:`RESTART_WAIT_MS`: 1 if it finished
    (the next writer starts the log anew), else 0 (a later round tries again)."""
    return _checkpoint(cursor, "RESTART", RESTART_WAIT_MS)


def _checkpoint(cursor: Any, mode: str, wait_ms: int) -> int:
    """A ``mode`` checkpoint with the connection's busy timeout set to ``wait_ms`` for
    it alone: 1 if it finished, else 0 (busy, or "database is locked")."""
    waited = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    cursor.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        busy = cursor.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()[0]
    except sqlite3.OperationalError:  # "database is locked": another round will do it
        busy = 1
    finally:
        cursor.execute(f"PRAGMA busy_timeout={int(waited)}")
    return 0 if busy else 1


def start_background_checkpoints(engine: Engine, interval: float = 1.0) -> Checkpointer | None:
    """Run this engine's checkpoints in a daemon thread (SQLite only; None otherwise).

    The engine must have been opened with ``open_engine(url, background_checkpoints=True)``,
    which turns SQLite's automatic checkpoint off on its connections. Stop it with
    :meth:`Checkpointer.stop` (``App.close()`` does)."""
    if engine.dialect.name != "sqlite":
        return None
    checkpointer = Checkpointer(engine, interval)
    threading.Thread(target=checkpointer.loop, name="cms-dav-wal-checkpoint",
                     daemon=True).start()
    return checkpointer

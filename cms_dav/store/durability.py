"""Group commit of a DAV write's WAL fsync (SQLite; issue 19, round eight).

With ``synchronous=FULL`` every COMMIT fsyncs the ``-wal`` file while its writer holds the
book's lock: with 4 clients uploading into one book the lock was held ~90 % of the wall,
two thirds of it not computing (the fsync, then the GIL back). Inside a
:func:`deferred_sync` scope (one ``acquire_lock("w")`` of the Radicale storage plugin)
:func:`cms_dav.store.engine.write_tx` commits with ``synchronous=NORMAL`` (the frames are
written, not synced) and the scope's end, after the book's lock is released and before
the request's answer or its hooks, waits for one fsync of the ``-wal`` file that *began
after* the commit. Writers arriving while an fsync runs share the next one: one fsync for
several PUTs, each answered only once its own frames are on disk.

Why this is as durable as FULL for every acknowledged write: the WAL is appended in
commit order, and an fsync (on any descriptor of the file: Linux syncs the inode) that
starts after a commit covers that commit's frames and all earlier ones. Frames can leave
the log only through a checkpoint, and SQLite syncs the database file before it marks
frames copied (``nBackfill``), so a log restarted or truncated in between held nothing
that is not on disk already (no ``-wal`` file at all: likewise). What differs: another
request may read a committed write a few milliseconds before its fsync; after a power
loss in that window the write (never acknowledged) is gone. A crash of the process loses
nothing (the frames are in the OS's page cache).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator


class GroupSync:
    """fsyncs of one file shared by the threads that ask for one meanwhile."""

    def __init__(self, path: str, fsync: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._fsync = fsync
        self._cond = threading.Condition()
        self._started = 0  # fsyncs begun
        self._finished = 0  # the number of the last fsync that completed
        self._running = False
        #: fsyncs run and callers served (for tests and measurements)
        self.runs = 0
        self.calls = 0

    def sync(self) -> None:
        """Return once an fsync that began after this call completed (run by this
        thread, or by another that asked meanwhile). An fsync's error is raised in the
        thread that ran it; the others wait for (or run) a later one."""
        with self._cond:
            self.calls += 1
            need = self._started + 1
            while self._finished < need:
                if self._running:
                    self._cond.wait()
                    continue
                self._running = True
                self._started += 1
                mine = self._started
                ok = False
                self._cond.release()
                try:
                    (self._fsync or _fsync_file)(self.path)
                    ok = True
                finally:
                    self._cond.acquire()
                    self._running = False
                    self.runs += 1
                    if ok:
                        self._finished = mine
                    self._cond.notify_all()


def _fsync_file(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return  # no log: everything was checkpointed into the (synced) database file
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_syncers: dict[str, GroupSync] = {}
_syncers_lock = threading.Lock()


def syncer(wal_path: str) -> GroupSync:
    """The process's one :class:`GroupSync` of ``wal_path``."""
    with _syncers_lock:
        found = _syncers.get(wal_path)
        if found is None:
            found = _syncers[wal_path] = GroupSync(wal_path)
        return found


class DeferredSync:
    """One scope's WAL files written with ``synchronous=NORMAL``, to fsync at its end."""

    def __init__(self) -> None:
        self.wals: set[str] = set()

    def wrote(self, wal_path: str) -> None:
        self.wals.add(wal_path)


_scope: ContextVar[DeferredSync | None] = ContextVar("cms_dav_deferred_sync", default=None)


def current() -> DeferredSync | None:
    """The open :func:`deferred_sync` scope of this context, if any."""
    return _scope.get()


@contextmanager
def deferred_sync() -> Iterator[DeferredSync]:
    """SQLite write transactions in this scope commit without their own fsync; leaving
    it (normally or by an exception) waits for a shared fsync of every log they wrote.
    Open it around the book's lock, so the wait is outside the lock."""
    scope = DeferredSync()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
        for wal in sorted(scope.wals):
            syncer(wal).sync()

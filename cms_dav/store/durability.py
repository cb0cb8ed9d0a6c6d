"""Group commit of a DAV write's WAL fsync (SQLite; issue 19, round eight).

With ``synchronous=FULL`` every COMMIT fsyncs the ``-wal`` file while its writer holds the
book's lock: with 4 clients uploading into one book the lock was held ~90 % of the wall,
two thirds of it not computing (the fsync, then the GIL back). So a DAV write defers it:

* Who owns what. :func:`cms_dav.app.build_app` (the composition root) makes one
  :class:`GroupSync` for its engine's database file (:func:`for_engine`) and hands it to
  the :class:`~cms_dav.store.store.Store`; nothing here is module-level state. Two Apps
  on one file each have their own: they share fewer fsyncs, never too few.
* Who opens the deferral. The storage plugin's ``acquire_lock("w")`` (Radicale's write
  lock around its checks and the write) calls ``Store.locked(names, defer_sync=True)``.
  The Store keeps the open :class:`DeferredSync` with its lock depth (per thread, on the
  Store instance, read only by ``Store.writing``), and hands it to
  :func:`cms_dav.store.engine.write_tx` as an argument. Every other writer (web, API,
  CLI, importer, housekeeping, PostgreSQL) commits with its own fsync as before.
* What it does. Inside the scope ``write_tx`` commits with ``synchronous=NORMAL`` (the
  frames are written, not synced); the scope's end (in ``Store.locked``, after the
  book's lock is released, before Radicale's answer and the ``[storage] hook``) waits for
  one fsync of the ``-wal`` file that *began after* the commit. Writers arriving while
  an fsync runs share the next one: one fsync for several PUTs, each answered only once
  its own frames are on disk.

Why this is as durable as FULL for every acknowledged write: the WAL is appended in
commit order, and an fsync (on any descriptor of the file: Linux syncs the inode) that
starts after a commit covers that commit's frames and all earlier ones. Frames can leave
the log only through a checkpoint, and SQLite syncs the database file before it marks
frames copied (``nBackfill``), so a log restarted or truncated in between held nothing
that is not on disk already (no ``-wal`` file at all: likewise). What differs (the
visibility window): another request may read a committed item up to one fsync (~1-5
ms) before it is durable; after a power loss in that window the write (never
acknowledged) is gone though a reader saw it; a client's later write of that item is
guarded by its ETag, so it cannot be misapplied. A crash of the process loses nothing
(the frames are in the OS's page cache).

Not in the window: sync tokens and ctags (RFC 6578 §3.2), numbers other clients keep.
Handed out before the fsync of the commit they count, a power loss would take that
sequence back, the next write would reuse it, and the client holding it would miss that
write for good. So :meth:`GroupSync.settle` (``Store.settle``: ``Store.sync``,
``Store.sync_page``, the storage plugin's collection ``etag``), called after the read
and before the answer, waits for an fsync begun after it whenever a deferred commit is
not yet covered (``announce`` before the COMMIT, ``ended`` after it, ``_covered``: the
commits ended when the last finished fsync began); with none pending it is two int
reads, no lock. Under ``serve --workers N`` another process's deferred commits are counted
by none of this process's counters, so there every settle runs (or joins) an fsync begun
after it (~0.3 ms when the log holds nothing unsynced). An outbox event's own token
(webhooks) needs no wait: a delivery is sent only after ``queue.claim`` committed with
``synchronous=FULL``, whose fsync covers the earlier frames of the event it claimed; the
push sender, which sends the collection's *current* token, settles after reading it
(``PushSender.settle``).
"""

from __future__ import annotations

import os
import threading
from typing import Callable

from sqlalchemy import Engine


class GroupSync:
    """fsyncs of one file shared by the threads that ask for one meanwhile."""

    def __init__(self, path: str, fsync: Callable[[str], None] | None = None, *,
                 other_writers: bool = False) -> None:
        self.path = path
        #: other processes write this file with deferred fsyncs too (``serve --workers
        #: N``): their commits are not counted here, so :meth:`settle` always syncs
        self.other_writers = other_writers
        self._fsync = fsync
        self._cond = threading.Condition()
        self._started = 0  # fsyncs begun
        self._finished = 0  # the number of the last fsync that completed
        self._running = False
        # deferred commits announced (before their COMMIT) and ended (after it, done or
        # failed); ``_covered``: ``_ended`` as it was when the last finished fsync began
        self._announced = 0
        self._ended = 0
        self._covered = 0
        #: fsyncs run and callers served (for tests and measurements)
        self.runs = 0
        self.calls = 0

    def announce(self) -> None:
        """A transaction is about to commit without its fsync (before its COMMIT)."""
        with self._cond:
            self._announced += 1

    def ended(self) -> None:
        """That transaction's COMMIT returned (or failed)."""
        with self._cond:
            self._ended += 1

    def settle(self) -> None:
        """Before handing out what another client keeps as a promise (a sync token or
        ctag, RFC 6578 §3.2): if a deferred commit may be visible but not yet on disk,
        wait for an fsync that began after this call (it covers whatever the caller
        read before). Common path: two int reads, no lock. ``_announced`` is read
        first: a commit the caller saw was announced before it, and ``_covered`` only
        grows, so equal means every such commit completed before a finished fsync
        began."""
        if not self.other_writers and self._announced == self._covered:
            return
        self.sync()

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
                covers = self._ended
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
                        self._covered = max(self._covered, covers)
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


def for_engine(engine: Engine, other_writers: bool = False) -> GroupSync | None:
    """The :class:`GroupSync` of ``engine``'s ``-wal`` file; None where there is no such
    file to sync (PostgreSQL, SQLite in memory): there writes keep their own commit."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return GroupSync(os.path.abspath(f"{database}-wal"), other_writers=other_writers)


class DeferredSync:
    """One ``Store.locked(..., defer_sync=True)`` scope: whether a transaction in it
    committed (or may have) without its fsync, and the file's :class:`GroupSync`."""

    def __init__(self, group: GroupSync) -> None:
        self.group = group
        self.pending = False

    def wrote(self) -> None:
        """Called by ``write_tx`` before its COMMIT can have happened."""
        self.pending = True
        self.group.announce()

    def ended(self) -> None:
        """Called by ``write_tx`` once its COMMIT returned or failed."""
        self.group.ended()

    def finish(self) -> None:
        """Wait for a shared fsync that began after every commit of the scope."""
        if self.pending:
            self.group.sync()

"""Spreading connections evenly over the worker processes of ``serve --workers N``.

Every worker accepts on the one listening socket (:mod:`cms_dav.serving.workers`). The
kernel wakes every worker when a connection waits, and asyncio's own accept then takes
every queued connection in one go (up to 100 per wake-up), so clients that connect
together land on whichever worker ran first: 4 clients went 3:1 or 4:0 over 2 workers
in most runs. A keep-alive connection stays on its worker, and a worker is one GIL, so
one core did most of the work while the other idled (issue 19, bulk PUT with 4 clients
and ``--workers 2``).

Here each worker publishes how many connections it holds open on a :class:`Board`
(an anonymous shared mapping that the supervisor makes before it forks), takes ONE
connection per wake-up, and leaves a waiting connection to a sibling that holds fewer.
It takes the connection anyway once it has deferred for :data:`DEFER_SECONDS`, so a
sibling that cannot accept (stuck, restarting, its slot not yet reset) never starves
the port.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import mmap
import socket
import struct
from typing import Any, Callable, Coroutine

log = logging.getLogger("cms_dav.serving")

#: longest a waiting connection is left to a less busy sibling before this worker takes it
DEFER_SECONDS = 0.05
#: how soon a worker that deferred looks at the socket again
RETRY_SECONDS = 0.002
#: pause after an accept error such as EMFILE, so the loop does not spin on it
ERROR_PAUSE_SECONDS = 0.1

_SLOT = struct.Struct("=i")


class Board:
    """Open connections per worker slot, shared by the processes forked after it."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._map = mmap.mmap(-1, _SLOT.size * slots)  # MAP_SHARED: children see writes

    def seat(self, slot: int) -> "Seat":
        return Seat(self, slot)

    def count(self, slot: int) -> int:
        return int(_SLOT.unpack_from(self._map, slot * _SLOT.size)[0])

    def set(self, slot: int, value: int) -> None:
        _SLOT.pack_into(self._map, slot * _SLOT.size, value)


class Seat:
    """One worker's slot on the board: only that worker writes it (the supervisor resets
    it to 0 before it starts a worker in the slot)."""

    def __init__(self, board: Board, slot: int) -> None:
        self.board, self.slot = board, slot

    def reset(self) -> None:
        self.board.set(self.slot, 0)

    def enter(self) -> None:
        self.board.set(self.slot, self.board.count(self.slot) + 1)

    def leave(self) -> None:
        self.board.set(self.slot, max(0, self.board.count(self.slot) - 1))

    def crowded(self) -> bool:
        """Does a sibling hold fewer open connections than this worker?"""
        mine = self.board.count(self.slot)
        return any(self.board.count(other) < mine
                   for other in range(self.board.slots) if other != self.slot)


class BalancedAcceptor:
    """Accepts on a shared listening socket one connection at a time, deferring to
    less busy siblings (see the module's docstring); ``take`` serves each connection
    and must call ``seat.leave()`` when it is closed."""

    def __init__(self, sock: socket.socket, seat: Seat,
                 take: Callable[[socket.socket], Coroutine[Any, Any, None]]) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock, self._seat, self._take = sock, seat, take
        self._deferred_since: float | None = None
        self._last_deferral = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._open = False

    def start(self) -> None:
        self._sock.setblocking(False)
        self._open = True
        self._loop.add_reader(self._sock, self._ready)

    def close(self) -> None:
        """Stop accepting (the socket stays open for the siblings)."""
        if not self._open:
            return
        self._open = False
        self._loop.remove_reader(self._sock)
        if self._timer is not None:
            self._timer.cancel()

    def _pause(self, seconds: float) -> None:
        self._loop.remove_reader(self._sock)
        self._timer = self._loop.call_later(seconds, self._resume)

    def _resume(self) -> None:
        self._timer = None
        if self._open:
            self._loop.add_reader(self._sock, self._ready)

    def _ready(self) -> None:
        now = self._loop.time()
        if self._seat.crowded():
            if self._deferred_since is None or now - self._last_deferral > 4 * RETRY_SECONDS:
                self._deferred_since = now  # a new wait, not the same one resumed
            self._last_deferral = now
            if now - self._deferred_since < DEFER_SECONDS:
                self._pause(RETRY_SECONDS)
                return
        self._deferred_since = None
        try:
            conn, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # a sibling took it, or the client gave up
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                log.warning("cannot accept a connection (%s): pausing", exc)
                self._pause(ERROR_PAUSE_SECONDS)
                return
            raise
        conn.setblocking(False)
        self._seat.enter()
        task = self._loop.create_task(self._take(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

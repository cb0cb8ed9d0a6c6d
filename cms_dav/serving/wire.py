"""The bytes of one client connection: an asyncio Protocol its connection task reads and
writes, one wait at a time, each wait with a deadline.

Why not asyncio streams (issue 19, round ten): a single-card GET cost the event-loop
thread ~500 µs, ~18 % of it asyncio's own machinery: a StreamReader, an
``asyncio.timeout`` (an object, a timer in the loop's heap, the task's cancel
book-keeping) per keep-alive wait, and four loop turns. Here

- the task waits on one future at a time, resolved by plain state kept here: bytes or
  EOF arrived, the transport takes writes again, the connection is lost, the deadline
  passed;
- a deadline costs a float per wait: one timer per connection fires at the earliest
  deadline armed and, when the wait then pending has a later one, re-arms at that. A
  kept-alive connection arms a timer about once per ``keepalive_timeout``, not once
  per request; a deadline is still never extended by what arrives (each wait's own
  deadline is the one checked);
- ``watch`` lets the loop callback that wrote a whole answer (the connection's
  ``_answer_from_hand_over``) leave the task asleep until the next request's bytes
  are here, instead of waking it only to start waiting for them.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Coroutine, cast

#: reading pauses while this many bytes wait unread (asyncio streams' default is 128 KiB
#: too), so a client sending ahead of its answers cannot fill the server's memory
PAUSE_BYTES = 128 * 1024
#: a timer may fire this much before its time (the loop's clock resolution)
TIMER_SLACK = 1e-3

_DATA = "data"
_DRAIN = "drain"


class Wire(asyncio.Protocol):
    """One connection's transport and what arrived on it (event loop thread only)."""

    def __init__(self, on_open: Callable[["Wire"], Coroutine[Any, Any, None]]) -> None:
        self._on_open = on_open
        self._loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport = cast(asyncio.Transport, None)
        self.task: asyncio.Task[None] | None = None
        self._chunks: list[bytes] = []
        self._size = 0
        self._eof = False
        self._lost = False
        self._over_ssl = False
        self._read_paused = False
        self._write_paused = False
        self._waiter: asyncio.Future[bool] | None = None
        self._waits_for = ""
        self._deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # the transport's calls
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self._over_ssl = transport.get_extra_info("sslcontext") is not None
        self.task = self._loop.create_task(self._on_open(self))

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        if self._size > PAUSE_BYTES and not self._read_paused:
            self._read_paused = True
            self.transport.pause_reading()
        if self._waits_for == _DATA:
            self._wake(True)

    def eof_received(self) -> bool:
        self._eof = True
        if self._waits_for == _DATA:
            self._wake(True)
        # keep the sending side open for the answer, as asyncio streams do (TLS cannot)
        return not self._over_ssl

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = self._lost = True
        self._write_paused = False
        self._wake(True)
        self._stop_timer()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._waits_for == _DRAIN:
            self._wake(True)

    # the connection task's calls
    async def read(self, deadline: float) -> bytes | None:
        """What arrived (``b""`` once the client closed), or None if ``deadline`` (loop
        time) passed first."""
        if not self._chunks and not self._eof:
            if not await self._wait(_DATA, deadline, self._loop.create_future()):
                return None
        data = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        if self._read_paused and not self._lost:
            self._read_paused = False
            self.transport.resume_reading()
        return data

    def watch(self, waiter: asyncio.Future[bool], deadline: float) -> None:
        """Resolve ``waiter`` once bytes or EOF are here (True) or ``deadline`` passed
        (False); what arrived stays for ``read``."""
        if self._chunks or self._eof:
            waiter.set_result(True)
        else:
            self._wait(_DATA, deadline, waiter)

    async def drain(self, deadline: float) -> bool:
        """Wait until the transport takes writes again (True), or ``deadline`` passed
        (False). Raises ConnectionResetError when the connection is gone or closing."""
        while True:
            if self._lost or self.transport.is_closing():
                raise ConnectionResetError("the connection is closed")
            if not self._write_paused:
                return True
            if not await self._wait(_DRAIN, deadline, self._loop.create_future()):
                return False

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def buffered(self) -> int:
        """Bytes written that the client has not taken yet."""
        return self.transport.get_write_buffer_size()

    def can_write_eof(self) -> bool:
        return self.transport.can_write_eof()

    def write_eof(self) -> None:
        self.transport.write_eof()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def close(self) -> None:
        """Close, and end the wait pending as if the client had closed: over TLS the
        transport reports the connection lost only once the client answered the
        close_notify (or the TLS shutdown timed out), and a graceful stop or an eviction
        must not wait for an idle client to do that."""
        self._stop_timer()
        self.transport.close()
        self._eof = True
        self._wake(True)

    # the one wait and its deadline
    def _wait(self, what: str, deadline: float,
              waiter: asyncio.Future[bool]) -> asyncio.Future[bool]:
        if self._lost:
            waiter.set_result(True)
        elif self._loop.time() + TIMER_SLACK >= deadline:
            waiter.set_result(False)
        else:
            self._waiter, self._waits_for, self._deadline = waiter, what, deadline
            if self._timer is None or self._timer.when() > deadline:
                self._stop_timer()
                self._timer = self._loop.call_at(deadline, self._on_timer)
        return waiter

    def _wake(self, value: bool) -> None:
        waiter, self._waiter, self._waits_for = self._waiter, None, ""
        if waiter is not None and not waiter.done():
            waiter.set_result(value)

    def _on_timer(self) -> None:
        """The earliest deadline armed has come: it ends the wait pending if that wait's
        own deadline has come too, else the timer moves to that deadline."""
        self._timer = None
        if self._waiter is None:
            return
        if self._loop.time() + TIMER_SLACK >= self._deadline:
            self._wake(False)
        else:
            self._timer = self._loop.call_at(self._deadline, self._on_timer)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

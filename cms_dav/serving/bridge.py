"""The WSGI application in a worker thread, its response handed to the event loop.

The worker calls the app (PEP 3333), iterates the response and puts the status, the
headers and body chunks into a ``ResponseChannel``; the connection's coroutine takes
them out and writes them. The channel holds at most ``capacity`` bytes, so a client
that reads slowly makes the worker wait (and, after the send deadline, lets it go),
never makes the server buffer a whole listing. ``close()`` is always called on the
app's iterable (PEP 3333: "must call close() ... whether normally or due to an error").
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Callable, Iterable, Union

from cms_dav.serving.environ import RESPONSE_DELAY_KEY

log = logging.getLogger("cms_dav.serving")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType]

#: body bytes gathered from small chunks before they are handed over (fewer loop wake-ups)
FLUSH_BYTES = 64 * 1024
#: ... or after this many seconds, so a slow generator still streams
FLUSH_SECONDS = 0.05


class ClientGone(Exception):
    """The connection stopped taking the response (closed, or past its send deadline)."""


@dataclass(frozen=True)
class Start:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    #: seconds the loop waits before writing the head (a throttled login's delay)
    delay: float = 0.0


@dataclass(frozen=True)
class End:
    pass


@dataclass(frozen=True)
class Failed:
    """The app raised; ``started`` says whether the status line was already handed over."""
    started: bool


Item = Union[Start, bytes, End, Failed]


class ResponseChannel:
    """A bounded hand-over of response parts from one worker thread to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, capacity: int) -> None:
        self._loop = loop
        self._capacity = capacity
        self._items: deque[Item] = deque()
        self._buffered = 0
        self._abandoned = False
        # the loop waits for a hand-over: ``_on_hand_over`` is called on it (both
        # guarded by ``_lock``)
        self._waiting = False
        self._on_hand_over: Callable[[], None] = _nothing
        self._lock = threading.Condition()

    # worker side
    def put(self, *items: Item) -> None:
        """Hand ``items`` over together: one wake-up of the loop for all of them (a small
        answer's head, body and end cost one, not three)."""
        size = sum(len(item) for item in items if isinstance(item, bytes))
        with self._lock:
            while self._buffered > 0 and self._buffered + size > self._capacity \
                    and not self._abandoned:
                self._lock.wait()
            if self._abandoned:
                raise ClientGone()
            self._buffered += size
            self._items.extend(items)
            # only a waiting getter needs waking; one that has not looked yet finds them
            wake, self._waiting = self._waiting, False
            # dropped once given to the loop: it refers to its connection and often to
            # this channel, a reference cycle per request the GC would have to find
            on_hand_over, self._on_hand_over = self._on_hand_over, _nothing
        if not wake:
            return
        try:
            self._loop.call_soon_threadsafe(on_hand_over)
        except RuntimeError:  # the event loop is gone: the server stopped
            raise ClientGone() from None

    # event loop side
    async def get(self) -> Item:
        while True:
            with self._lock:
                if self._items:
                    return self._items.popleft()
            # a bare future, not an asyncio.Event: one waiter, one wake-up
            ready: asyncio.Future[None] = self._loop.create_future()
            if self.when_handed_over(partial(_resolve, ready)):
                await ready

    def when_handed_over(self, callback: Callable[[], None]) -> bool:
        """Call ``callback`` on the loop at the next hand-over; False (and no call) when
        items are already here."""
        with self._lock:
            if self._items:
                return False
            self._on_hand_over = callback
            self._waiting = True
            return True

    def take_whole(self, limit: int) -> list[Item] | None:
        """Every item handed over if they are a whole answer (its Start without a delay,
        at most ``limit`` body bytes, its End), else None and nothing taken."""
        with self._lock:
            items = self._items
            if not items or not isinstance(items[-1], End) or self._buffered > limit:
                return None
            start = items[0]
            if not isinstance(start, Start) or start.delay:
                return None
            whole = list(items)
            items.clear()
            return whole

    def take_ready(self) -> list[Item]:
        """Every item already handed over, without waiting (for one write of them all)."""
        with self._lock:
            items = list(self._items)
            self._items.clear()
            return items

    def sent(self, size: int) -> None:
        """``size`` bytes of body left the channel's budget (written to the socket)."""
        with self._lock:
            self._buffered -= size
            self._lock.notify_all()

    def abandon(self) -> None:
        """No more parts will be taken: a waiting or later ``put`` raises ClientGone."""
        with self._lock:
            self._abandoned = True
            self._items.clear()
            self._on_hand_over = _nothing
            self._lock.notify_all()


def _nothing() -> None:
    pass


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():  # not cancelled meanwhile (a stopping server)
        future.set_result(None)


def _status(line: str) -> tuple[int, str]:
    code, _, phrase = line.strip().partition(" ")
    return int(code), phrase


def run_app(app: WSGIApp, environ: dict[str, Any], channel: ResponseChannel) -> None:
    """Run one request through ``app`` (in a worker thread) and feed ``channel``.

    The status and headers travel with the first body bytes handed over (or with the
    end), so a small answer reaches the loop as one hand-over: one wake-up, one write."""
    pending: list[tuple[str, list[tuple[str, str]]]] = []
    started = False  # the Start item is handed over
    begun = False  # body bytes came: the status is final (PEP 3333's "headers sent")
    gathered = bytearray()

    def start_response(status: str, headers: list[tuple[str, str]],
                       exc_info: ExcInfo | None = None) -> Callable[[bytes], None]:
        if exc_info is not None and begun:
            raise exc_info[1].with_traceback(exc_info[2])
        if pending and exc_info is None:
            raise RuntimeError("start_response called twice without exc_info")
        pending[:] = [(status, list(headers))]
        return write

    def head() -> tuple[Item, ...]:
        """The Start item when it has not been handed over yet (then it is, with what
        follows it)."""
        nonlocal started
        if started:
            return ()
        if not pending:
            raise RuntimeError("the application sent a body before start_response")
        code, phrase = _status(pending[0][0])
        delay = environ.get(RESPONSE_DELAY_KEY, 0.0)
        started = True
        return (Start(code, phrase, pending[0][1],
                      delay if isinstance(delay, float) and delay > 0 else 0.0),)

    def write(data: bytes) -> None:  # the legacy write() callable of PEP 3333
        nonlocal begun
        if data:
            items = (*head(), bytes(gathered), bytes(data)) if gathered else \
                (*head(), bytes(data))
            gathered.clear()
            begun = True
            channel.put(*items)

    try:
        result = app(environ, start_response)
        try:
            flushed = time.monotonic()
            for chunk in result:
                if not chunk:
                    continue
                if not pending:
                    raise RuntimeError("the application sent a body before start_response")
                begun = True
                if not gathered and len(chunk) >= FLUSH_BYTES and type(chunk) is bytes:
                    # a big chunk goes as it is: gathering it would copy it twice (a
                    # 12 MB multiget spent ~20 ms of CPU on that, issue 19)
                    channel.put(*head(), chunk)
                    flushed = time.monotonic()
                    continue
                gathered += chunk
                if len(gathered) >= FLUSH_BYTES or time.monotonic() - flushed > FLUSH_SECONDS:
                    channel.put(*head(), bytes(gathered))
                    gathered.clear()
                    flushed = time.monotonic()
            channel.put(*head(), *((bytes(gathered),) if gathered else ()), End())
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except ClientGone:
        log.debug("client gone during %s %s", environ.get("REQUEST_METHOD"),
                  environ.get("PATH_INFO"))
    except Exception:  # noqa: BLE001 - a bug in the app: logged, answered 500, never fatal
        log.exception("unhandled error in %s %s", environ.get("REQUEST_METHOD"),
                      environ.get("PATH_INFO"))
        try:
            # a body that had begun keeps its status: the client gets it cut short
            channel.put(*(head() if begun else ()), *((bytes(gathered),) if begun and gathered
                                                     else ()), Failed(begun))
        except ClientGone:
            pass

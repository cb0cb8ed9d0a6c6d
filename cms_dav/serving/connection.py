"""One client connection: its requests read whole within their deadlines, then run.

Deadlines (all total, so trickling bytes never extends them):
- the request head must be complete ``header_timeout`` seconds after the connection
  opened (first request) or after its first byte arrived (later requests);
- the body must be complete ``body_timeout`` seconds after the head;
- a kept-alive connection waits ``keepalive_timeout`` seconds for its next request;
- the client must accept each part of the answer within ``body_timeout`` seconds.
An expired request deadline answers 408 (RFC 9110 §15.5.9) and closes; an idle
keep-alive connection is closed silently (RFC 9112 §9.5).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field

import h11

from cms_dav.serving.admission import Admission
from cms_dav.serving.body import BodyBuffer, MemoryBudget
from cms_dav.serving.bridge import (End, Failed, Item, ResponseChannel, Start, WSGIApp,
                                    run_app)
from cms_dav.serving.environ import build_environ
from cms_dav.serving.errors import HttpError, http_date, refusal_bytes, wants_problem
from cms_dav.serving.framing import declared_length, refusal_for, too_large_message
from cms_dav.serving.gather import gather_fd, write_gathered
from cms_dav.serving.limits import (LINGER_SECONDS, RESPONSE_BUFFER_BYTES, SPOOL_BYTES,
                                    ServerLimits)
from cms_dav.serving.wire import Wire

log = logging.getLogger("cms_dav.serving")

#: an answer handed over whole with at most this many body bytes is written by the
#: hand-over callback itself (one write; see ``_answer_from_hand_over``)
WHOLE_BYTES = 64 * 1024
#: pieces of an answer (head, chunk framing, body parts) are joined into writes of at
#: most this many bytes; a larger piece is written as it is. A join this small is one
#: cheap copy that saves a send (and a segment); larger ones copied a 12 MB multiget
#: twice more, into fresh memory each time (issue 19)
JOIN_BYTES = 128 * 1024
#: response headers that belong to the connection, which the front alone manages
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade",
               "proxy-connection", "trailer"}


@dataclass
class ServerState:
    """What every connection of one server shares (used from the event loop thread only)."""

    app: WSGIApp
    limits: ServerLimits
    pool: Executor
    admission: Admission
    budget: MemoryBudget
    server_name: str
    https: bool = False
    stopping: bool = False
    connections: set["Connection"] = field(default_factory=set)


class Phase(enum.Enum):
    FRESH = "waiting for the first request"
    IDLE = "kept alive between requests"
    HEAD = "reading a request head"
    BODY = "reading a request body"
    APP = "running a request"


class PeerClosed(Exception):
    """The client closed, reset, or stopped taking bytes; nothing more can be said to it."""


class Connection:
    def __init__(self, state: ServerState, wire: Wire) -> None:
        self.state = state
        self.limits = state.limits
        self.wire = wire
        peer = wire.transport.get_extra_info("peername")
        self.remote: tuple[str, int] = (str(peer[0]), int(peer[1])) if peer else ("", 0)
        sock = wire.transport.get_extra_info("sockname")
        self.local_port = int(sock[1]) if sock else 0
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_head_bytes)
        self.phase = Phase.FRESH
        self._eof = False
        self._responding = False
        self._method = b""
        self._target = ""
        self._loop = asyncio.get_running_loop()
        #: loop time the last answer was complete: the keep-alive wait counts from it
        self._answered_at = 0.0

    @property
    def idle(self) -> bool:
        return self.phase is Phase.IDLE

    def evict(self) -> None:
        """Close an idle connection to make room for a new one (see admission)."""
        self.state.admission.release(self, self.remote[0])
        self.wire.close()

    def close_if_waiting(self) -> None:
        """On a graceful stop: close unless a request is in flight (head read, not answered)."""
        if self.phase in (Phase.FRESH, Phase.IDLE, Phase.HEAD):
            self.wire.close()

    async def serve(self) -> None:
        """The whole life of the connection; never raises."""
        try:
            self.state.admission.admit(self, self.remote[0])
        except HttpError as refused:
            log.warning("refused a connection from %s: %s", self.remote[0], refused.message)
            # counted nowhere, so it lingers only briefly
            await self._refuse(refused, linger=LINGER_SECONDS / 4)
            self.wire.close()
            return
        self.state.connections.add(self)
        try:
            await self._requests()
        except HttpError as refused:
            what = (f"{self._method.decode('ascii', 'replace')} {self._target!r}"
                    if self._method else "a request")
            log.info("refused %s from %s: %d %s", what, self.remote[0], refused.status,
                     refused.message)
            await self._refuse(refused)
        except (PeerClosed, ConnectionError, OSError):
            pass
        except Exception:  # noqa: BLE001 - a bug in the front: logged, the client told
            log.exception("unexpected error on a connection from %s", self.remote[0])
            await self._refuse(HttpError(500, "internal server error (the server log has "
                                              "the details)"))
        finally:
            self.state.connections.discard(self)
            self.state.admission.release(self, self.remote[0])
            self.wire.close()

    async def _requests(self) -> None:
        head_deadline = self._loop.time() + self.limits.header_timeout
        while True:
            request = await self._read_head(head_deadline)
            if request is None:
                return
            await self._handle(request)
            if self.state.stopping or self.h11.our_state is not h11.DONE \
                    or self.h11.their_state is not h11.DONE:
                return
            self.h11.start_next_cycle()
            if not await self._wait_for_next_request():
                return
            head_deadline = self._loop.time() + self.limits.header_timeout

    async def _read(self, deadline: float, expired: HttpError) -> bytes:
        data = await self.wire.read(deadline)
        if data is None:
            raise expired
        if not data:
            self._eof = True
        return data

    async def _wait_for_next_request(self) -> bool:
        """Keep-alive: True once bytes of a next request are there."""
        if self.h11.trailing_data[0]:  # pipelined
            self.phase = Phase.HEAD
            return True
        self.phase = Phase.IDLE
        data = await self.wire.read(self._answered_at + self.limits.keepalive_timeout)
        if not data or self.state.stopping:  # the deadline passed (None), or EOF
            return False
        self.phase = Phase.HEAD
        self.h11.receive_data(data)
        return True

    async def _read_head(self, deadline: float) -> h11.Request | None:
        expired = HttpError(408, f"request timeout: the request line and headers did not "
                                 f"arrive within {self.limits.header_timeout:g} seconds")
        self._method, self._target = b"", ""
        received = len(self.h11.trailing_data[0])
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                if self._eof:
                    return None
                raise refusal_for(exc, self.limits.max_head_bytes) from None
            if event is h11.NEED_DATA:
                data = await self._read(deadline, expired)
                if data and self.phase is Phase.FRESH:
                    self.phase = Phase.HEAD
                received += len(data)
                self.h11.receive_data(data)
                continue
            if isinstance(event, h11.Request):
                # h11 checks its buffer only while the head is incomplete: measure exactly
                if received - len(self.h11.trailing_data[0]) > self.limits.max_head_bytes:
                    raise refusal_for(h11.RemoteProtocolError("", 431),
                                      self.limits.max_head_bytes)
                return event
            return None  # ConnectionClosed (or PAUSED, which cannot happen here)

    async def _read_body(self, body: BodyBuffer) -> None:
        deadline = self._loop.time() + self.limits.body_timeout
        expired = HttpError(408, f"request timeout: the request body did not arrive within "
                                 f"{self.limits.body_timeout:g} seconds")
        limit = self.limits.max_body_bytes
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                if self._eof:
                    raise PeerClosed() from None
                raise refusal_for(exc, self.limits.max_head_bytes, in_body=True) from None
            if event is h11.NEED_DATA:
                if self.h11.they_are_waiting_for_100_continue:  # RFC 9110 §10.1.1
                    await self._write(self.h11.send(
                        h11.InformationalResponse(status_code=100, headers=[])))
                self.h11.receive_data(await self._read(deadline, expired))
            elif isinstance(event, h11.Data):
                if body.size + len(event.data) > limit:  # a chunked body passing the limit
                    raise HttpError(413, too_large_message(None, limit))
                body.write(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise PeerClosed()

    async def _handle(self, request: h11.Request) -> None:
        self.phase = Phase.BODY
        self._method = request.method
        self._target = request.target.decode("ascii", "replace")[:200]
        declared_length(request, self.limits.max_body_bytes)  # 400/413 before any body byte
        body = BodyBuffer(SPOOL_BYTES, self.state.budget)
        work: Future[None] | None = None
        channel = ResponseChannel(self._loop, RESPONSE_BUFFER_BYTES)
        try:
            await self._read_body(body)
            self.phase = Phase.APP
            environ = build_environ(request, body.stream(), body.size,
                                    server_name=self.state.server_name,
                                    server_port=self.local_port, remote=self.remote,
                                    https=self.state.https)
            # a plain submit: the channel says when the answer is there, so the worker's
            # return needs no wake-up of the loop of its own (run_in_executor's)
            work = self.state.pool.submit(run_app, self.state.app, environ, channel)
            head_only = request.method == b"HEAD"
            # a request with a body holds its budget until this task resumes: only
            # one without is answered from the hand-over
            if body.size or not await self._answer_from_hand_over(channel, head_only):
                await self._respond(channel, head_only)
        finally:
            channel.abandon()
            if work is None or work.done():
                body.close()
            else:  # the worker may still read wsgi.input or be closing the iterable
                work.add_done_callback(lambda _: self._close_later(body))

    def _close_later(self, body: BodyBuffer) -> None:
        """From the worker thread: the body is closed in the loop (its budget is the
        loop's)."""
        try:
            self._loop.call_soon_threadsafe(body.close)
        except RuntimeError:  # the loop is gone: the server stopped, no budget to keep
            body.close()

    async def _answer_from_hand_over(self, channel: ResponseChannel, head_only: bool) -> bool:
        """True when the worker handed over a whole small answer and the hand-over
        callback wrote it; False when this task is to write the answer (``_respond``).

        Why: the loop ran four turns per GET (the request's bytes, this task, the
        worker's self-pipe wake-up, this task again to write the answer and start the
        keep-alive wait). The callback, already on the loop for the hand-over, writes
        a whole answer as ``_respond`` would (same head, same h11 framing, one write)
        and gives the task's wait to the wire, so the task resumes only when the next
        request's bytes (or EOF, or the keep-alive deadline) are here: three turns.
        Anything else (a streamed or large answer, a delay, a failure, an error while
        framing, unsent bytes, a connection that is to close) wakes the task as before.
        """
        resume: asyncio.Future[bool] = self._loop.create_future()
        answered = False

        def handed_over() -> None:
            nonlocal answered
            if resume.done():  # the task was cancelled (a stopping server)
                return
            items = channel.take_whole(WHOLE_BYTES)
            if items is None:
                resume.set_result(False)
                return
            try:
                self._write_whole(items, channel, head_only)
            except Exception as exc:  # noqa: BLE001 - raised in the task, as in _respond
                resume.set_exception(exc)
                return
            answered = True
            if self.wire.buffered() or self.state.stopping or self.h11.trailing_data[0] \
                    or self.h11.our_state is not h11.DONE or self.h11.their_state is not h11.DONE:
                resume.set_result(True)  # the task drains, closes or reads what is there
                return
            self.phase = Phase.IDLE
            self.wire.watch(resume, self._answered_at + self.limits.keepalive_timeout)

        if not channel.when_handed_over(handed_over):
            handed_over()
        await resume
        if answered and self.wire.buffered():
            await self._write(None)  # the client has not taken all of it yet
        return answered

    def _write_whole(self, items: list[Item], channel: ResponseChannel, head_only: bool
                     ) -> None:
        """Frame and write ``items`` (Start, body bytes, End) in one write."""
        start = items[0]
        assert isinstance(start, Start)
        out = [self._head(start)]
        without_body = head_only or start.status in (204, 304)
        taken = 0
        for item in items[1:]:
            if isinstance(item, bytes):
                if not without_body:
                    out += self._send(h11.Data(data=item))
                taken += len(item)
            else:
                out += self._send(h11.EndOfMessage())
        self.wire.write(b"".join(out))
        self._answered_at = self._loop.time()
        if taken:
            channel.sent(taken)

    def _head(self, item: Start) -> bytes:
        """The status line and headers of an answer, as h11 frames them."""
        headers = [(name.encode("latin-1"), value.encode("latin-1"))
                   for name, value in item.headers if name.lower() not in _HOP_BY_HOP]
        if not any(name.lower() == b"date" for name, _ in headers):
            headers.append((b"Date", http_date().encode("ascii")))
        if self.state.stopping:
            headers.append((b"Connection", b"close"))
        try:
            return self.h11.send(h11.Response(status_code=item.status, headers=headers,
                                              reason=item.reason.encode("latin-1")))
        except h11.LocalProtocolError as exc:
            log.error("invalid response head from the application: %s", exc)
            raise HttpError(500, "internal server error: the response was invalid "
                                 "(the server log has the details)") from None

    async def _respond(self, channel: ResponseChannel, head_only: bool) -> None:
        item = await channel.get()
        if isinstance(item, Failed) or not isinstance(item, Start):
            raise HttpError(500, "internal server error: the request failed unexpectedly "
                                 "(the server log has the details)")
        if item.delay:  # held back here, in the loop: the worker is already free
            await asyncio.sleep(item.delay)
        head = self._head(item)
        self._responding = True
        without_body = head_only or item.status in (204, 304)
        # what the worker has already handed over goes out with the head in one write
        # (a small answer: head, body and end in one send); the channel's budget is
        # given back only once the bytes are written, so ``out`` stays within it
        out = [head]
        taken = 0
        while True:
            ready = channel.take_ready()
            if not ready:
                await self._flush(out, channel, taken)
                out, taken = [], 0
                ready = [await channel.get()]
            for item in ready:
                if isinstance(item, bytes):
                    if not without_body:
                        out += self._send(h11.Data(data=item))
                    taken += len(item)
                elif isinstance(item, End):
                    out += self._send(h11.EndOfMessage())
                    await self._flush(out, channel, taken)
                    self._responding = False
                    self._answered_at = self._loop.time()
                    return
                else:  # the app failed half-way: the client sees a truncated answer
                    await self._flush(out, channel, taken)
                    raise PeerClosed()

    async def _flush(self, out: list[bytes], channel: ResponseChannel, taken: int) -> None:
        """Write ``out``, then ``taken`` body bytes leave the channel's budget.

        On a plain TCP socket all of ``out`` goes out in one ``writev`` when the socket
        takes it (cms_dav.serving.gather: a chunk's size line, data and CRLF in one
        system call, the data not copied). Else consecutive pieces are joined into
        writes of at most ``JOIN_BYTES`` (a small answer is one write, a chunk its size
        line, data and CRLF); a larger piece is written as it is, not copied into a
        joined buffer first."""
        fd = gather_fd(self.wire.transport)
        if fd is not None:
            write_gathered(self.wire.transport, fd, out)
            await self._write(None)
            if taken:
                channel.sent(taken)
            return
        joined: list[bytes] = []
        size = 0
        for piece in out:
            if size + len(piece) > JOIN_BYTES and joined:
                self.wire.write(b"".join(joined))
                joined, size = [], 0
            if len(piece) > JOIN_BYTES:
                self.wire.write(piece)
                continue
            joined.append(piece)
            size += len(piece)
        await self._write(b"".join(joined))
        if taken:
            channel.sent(taken)

    def _send(self, event: h11.Data | h11.EndOfMessage) -> list[bytes]:
        """The bytes of ``event`` as h11 frames them, the data itself not copied into
        them (a chunk is its size line, the data, CRLF)."""
        try:
            return self.h11.send_with_data_passthrough(event) or []
        except h11.LocalProtocolError as exc:
            log.error("response body does not match its Content-Length: %s", exc)
            raise PeerClosed() from None

    async def _write(self, data: bytes | None) -> None:
        """Write ``data`` (if any) and wait until the transport's buffer is drained
        enough, within the send deadline (raises if the client is gone)."""
        if data:
            self.wire.write(data)
        if not await self.wire.drain(self._loop.time() + self.limits.body_timeout):
            log.info("closed a connection from %s that took no answer for %g seconds",
                     self.remote[0], self.limits.body_timeout)
            raise PeerClosed() from None

    async def _refuse(self, error: HttpError, linger: float = LINGER_SECONDS) -> None:
        """Answer ``error`` and close, lingering so the answer is not lost to a reset."""
        if self._responding or self.wire.is_closing():
            return
        self._responding = True
        deadline = self._loop.time() + linger
        try:
            self.wire.write(refusal_bytes(error, with_body=self._method != b"HEAD",
                                          problem=wants_problem(self._target)))
            if not await self.wire.drain(deadline):
                return
            if self.wire.can_write_eof():
                self.wire.write_eof()
            while await self.wire.read(deadline):
                pass  # discard what the client still sends (RFC 9112 §9.6)
        except (ConnectionError, OSError):
            pass

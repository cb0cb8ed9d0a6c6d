"""How the front writes an answer: the bytes h11 frames, large body parts never copied.

A multiget of all at 10k is 12 MB in ~80 KB parts; joining each part with its chunk
framing and then with its neighbours copied it twice more before the socket (issue 19).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Callable, Iterator

import h11

from cms_dav.serving.bridge import FLUSH_BYTES, ResponseChannel
from cms_dav.serving.connection import JOIN_BYTES, Connection, ServerState
from cms_dav.serving.limits import ServerLimits
from tests.serving.inprocess_front import InProcessFront

DATE = "Thu, 03 Dec 2026 07:00:00 GMT"
#: parts of at least FLUSH_BYTES go to the loop as they are: each is one chunk (the
#: last one is over the join limit, so it is written as it is)
PARTS = [bytes([65 + n]) * (FLUSH_BYTES + 1000 * n) for n in range(4)] + [b"E" * (JOIN_BYTES + 5)]
TAIL = b"<end/>"  # gathered, handed over with the end: the last chunk before 0


def streamed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("207 Multi-Status", [("Content-Type", "text/xml"), ("Date", DATE)])
    yield from PARTS
    yield TAIL


def h11_framing(request: bytes) -> bytes:
    """What h11 itself writes for ``streamed``'s answer, each event joined (the old path)."""
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(request)
    conn.next_event()
    conn.next_event()
    out = conn.send(h11.Response(status_code=207, reason=b"Multi-Status",
                                 headers=[(b"Content-Type", b"text/xml"),
                                          (b"Date", DATE.encode())])) or b""
    for part in [*PARTS, TAIL]:
        out += conn.send(h11.Data(data=part)) or b""
    return out + (conn.send(h11.EndOfMessage()) or b"")


def read_until(sock: socket.socket, end: bytes) -> bytes:
    data = b""
    while not data.endswith(end):
        more = sock.recv(1 << 20)
        assert more, "the server closed before the end of the answer"
        data += more
    return data


def test_a_chunked_answer_of_large_parts_is_byte_for_byte_h11s_framing() -> None:
    request = b"REPORT /book/ HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n"
    with InProcessFront(streamed) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            for _ in range(2):  # and the connection stays usable after it
                sock.sendall(request)
                assert read_until(sock, b"\r\n0\r\n\r\n") == h11_framing(request)


class RecordingWriter:
    """A connection's wire that keeps every ``write`` as it was given."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.transport = self

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1234)

    def get_write_buffer_size(self) -> int:
        return 0

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    async def drain(self, deadline: float) -> bool:
        return True


async def flushed(pieces: list[bytes]) -> RecordingWriter:
    """What a connection writes when it flushes ``pieces`` of an answer."""
    writer = RecordingWriter()
    state = ServerState(app=lambda environ, start: [], limits=ServerLimits(),
                        pool=None, admission=None, budget=None,  # type: ignore[arg-type]  # unused by _flush
                        server_name="test")
    connection = Connection(state, writer)  # type: ignore[arg-type]  # a recording stand-in
    channel = ResponseChannel(asyncio.get_running_loop(), capacity=1 << 20)
    await connection._flush(pieces, channel, 0)  # noqa: SLF001
    return writer


def test_a_body_part_over_the_join_limit_is_written_as_it_is_the_rest_joined() -> None:
    big = b"x" * (JOIN_BYTES + 1)
    pieces = [b"HTTP/1.1 200 OK\r\n\r\n", b"20001\r\n", big, b"\r\n", b"5\r\n", b"small",
              b"\r\n", b"0\r\n\r\n"]

    writer = asyncio.run(flushed(pieces))
    assert writer.writes == [b"HTTP/1.1 200 OK\r\n\r\n20001\r\n", big,
                             b"\r\n5\r\nsmall\r\n0\r\n\r\n"]
    assert writer.writes[1] is big


def test_pieces_are_joined_into_writes_no_larger_than_the_join_limit() -> None:
    part = b"p" * (JOIN_BYTES // 2)
    pieces = [b"HTTP/1.1 200 OK\r\n\r\n"] + [b"%x\r\n" % len(part), part, b"\r\n"] * 3

    writer = asyncio.run(flushed(pieces))
    assert b"".join(writer.writes) == b"".join(pieces)
    assert len(writer.writes) == 3
    assert all(len(write) <= JOIN_BYTES for write in writer.writes)

"""An answer's pieces go to a plain TCP socket in one ``writev``
(cms_dav.serving.gather, issue 19 target 6, round ten): a chunk's size line, data and
CRLF in one system call, the data not copied; what the socket does not take at once
goes to the transport in order, and nothing overtakes bytes the transport holds."""

from __future__ import annotations

import os
import socket
from typing import Any, Callable, Iterator

import pytest

from cms_dav.serving import gather
from tests.serving.inprocess_front import InProcessFront
from tests.serving.test_response_writes import read_until

PIECES = [b"HTTP/1.1 207 Multi-Status\r\n\r\n", b"20000\r\n", b"x" * 0x20000, b"\r\n",
          b"0\r\n\r\n"]


class Transport:
    """A transport stand-in: what it was handed, and what it holds already."""

    def __init__(self, holding: int = 0) -> None:
        self.holding = holding
        self.writes: list[bytes] = []

    def get_write_buffer_size(self) -> int:
        return self.holding

    def is_closing(self) -> bool:
        return False

    def write(self, data: bytes | memoryview) -> None:
        self.writes.append(bytes(data))


def received(sock: socket.socket) -> bytes:
    sock.setblocking(False)
    data = b""
    while True:
        try:
            more = sock.recv(1 << 20)
        except BlockingIOError:
            return data
        if not more:
            return data
        data += more


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    left, right = socket.socketpair()
    left.setblocking(False)
    try:
        yield left, right
    finally:
        left.close()
        right.close()


def recording(monkeypatch: pytest.MonkeyPatch) -> list[list[bytes]]:
    calls: list[list[bytes]] = []
    real: Callable[[int, Any], int] = os.writev

    def writev(fd: int, pieces: Any) -> int:
        calls.append(list(pieces))
        return real(fd, pieces)
    monkeypatch.setattr(gather.os, "writev", writev)
    return calls


def test_pieces_the_socket_takes_go_out_in_one_writev_and_none_to_the_transport(
        pair, monkeypatch) -> None:
    calls = recording(monkeypatch)
    transport = Transport()
    gather.write_gathered(transport, pair[0].fileno(), PIECES)  # type: ignore[arg-type]
    assert calls == [PIECES] and transport.writes == []
    assert received(pair[1]) == b"".join(PIECES)


def test_what_a_full_socket_does_not_take_goes_to_the_transport_in_order(pair) -> None:
    left, right = pair
    left.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    pieces = [b"a" * 50_000, b"\r\n", b"b" * 300_000, b"\r\n", b"c" * 7]
    transport = Transport()
    gather.write_gathered(transport, left.fileno(), pieces)  # type: ignore[arg-type]
    direct = received(right)
    assert transport.writes and 0 < len(direct) < 350_000
    assert direct + b"".join(transport.writes) == b"".join(pieces)


def test_nothing_overtakes_bytes_the_transport_holds(pair, monkeypatch) -> None:
    calls = recording(monkeypatch)
    transport = Transport(holding=10)
    gather.write_gathered(transport, pair[0].fileno(), PIECES)  # type: ignore[arg-type]
    assert calls == [] and b"".join(transport.writes) == b"".join(PIECES)


def test_more_pieces_than_one_writev_takes_go_out_in_several(pair, monkeypatch) -> None:
    calls = recording(monkeypatch)
    pieces = [b"%d," % n for n in range(gather.IOV_MAX + 5)]
    transport = Transport()
    gather.write_gathered(transport, pair[0].fileno(), pieces)  # type: ignore[arg-type]
    assert [len(call) for call in calls] == [gather.IOV_MAX, 5] and transport.writes == []
    assert received(pair[1]) == b"".join(pieces)


def test_a_tls_connection_is_never_written_past_its_transport() -> None:
    class Socket:
        def fileno(self) -> int:
            return 7

    class TlsTransport:  # asyncio's TLS transport names its socket too
        def get_extra_info(self, name: str) -> Any:
            return {"sslcontext": object(), "socket": Socket()}.get(name)

        def is_closing(self) -> bool:
            return False
    assert gather.gather_fd(TlsTransport()) is None  # type: ignore[arg-type]


def streamed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("207 Multi-Status", [("Content-Type", "text/xml")])
    yield b"p" * 300_000


def test_a_served_chunk_leaves_with_its_size_line_and_crlf_in_one_writev(monkeypatch
                                                                          ) -> None:
    calls = recording(monkeypatch)
    with InProcessFront(streamed) as front:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            sock.sendall(b"REPORT /book/ HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n")
            answer = read_until(sock, b"\r\n0\r\n\r\n")
    assert answer.endswith(b"\r\n493e0\r\n" + b"p" * 300_000 + b"\r\n0\r\n\r\n")
    data = b"p" * 300_000
    (call,) = [call for call in calls if data in call]
    at = call.index(data)
    assert call[at - 1:at + 2] == [b"493e0\r\n", data, b"\r\n"]

"""Deadlines: the request head, the body and an idle keep-alive connection each have a
total time, which trickling bytes does not extend (issue 10, item 4)."""

from __future__ import annotations

import select
import socket
import time
from typing import Iterator

import pytest

from tests.serving.rawhttp import Reader, connect, head, start_server
from tests.support.server import ServerProcess

HEADER_TIMEOUT, BODY_TIMEOUT, KEEPALIVE_TIMEOUT = 1, 2, 1
#: slack for a busy machine; the deadlines themselves are what is asserted
SLACK = 4.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from start_server(tmp_path_factory, "deadlines",
                            f"[server]\nheader_timeout = {HEADER_TIMEOUT}\n"
                            f"body_timeout = {BODY_TIMEOUT}\n"
                            f"keepalive_timeout = {KEEPALIVE_TIMEOUT}\n")


def trickle_until_answered(sock: socket.socket, data: bytes, interval: float = 0.2) -> float:
    """Send ``data`` a byte at a time until the server answers; the seconds it took."""
    started = time.monotonic()
    for index in range(len(data)):
        sock.send(data[index:index + 1])
        readable, _, _ = select.select([sock], [], [], interval)
        if readable:
            return time.monotonic() - started
    raise AssertionError("the server let the whole trickle through")


def test_a_slowloris_connection_is_closed_by_the_header_deadline(
        server: ServerProcess) -> None:
    with connect(server) as sock:
        elapsed = trickle_until_answered(
            sock, b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 100)
        reader = Reader(sock)
        response = reader.response()
        assert response.status == 408
        assert "request line and headers did not arrive within 1 seconds" in response.text
        assert reader.closed()
    assert HEADER_TIMEOUT - 0.5 < elapsed < HEADER_TIMEOUT + SLACK


def test_a_connection_that_sends_nothing_gets_408_at_the_header_deadline(
        server: ServerProcess) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        response = Reader(sock).response()
        elapsed = time.monotonic() - started
    assert response.status == 408
    assert elapsed < HEADER_TIMEOUT + SLACK


def test_a_slow_body_is_cut_off_by_the_body_deadline(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(head("PUT", "/alice/contacts/slow.vcf", {"Content-Length": "1000"}))
        elapsed = trickle_until_answered(sock, b"x" * 1000)
        response = Reader(sock).response()
    assert response.status == 408
    assert "request body did not arrive within 2 seconds" in response.text
    assert BODY_TIMEOUT - 0.5 < elapsed < BODY_TIMEOUT + SLACK


def test_an_idle_keep_alive_connection_is_closed_after_the_keepalive_timeout(
        server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(head("OPTIONS", "/"))
        reader = Reader(sock)
        assert reader.response().status == 200
        started = time.monotonic()
        assert reader.closed()  # silently: no 408 for a connection with no request
        elapsed = time.monotonic() - started
    assert KEEPALIVE_TIMEOUT - 0.5 < elapsed < KEEPALIVE_TIMEOUT + SLACK


def test_a_kept_alive_connection_serves_a_request_sent_before_the_timeout(
        server: ServerProcess) -> None:
    with connect(server) as sock:
        reader = Reader(sock)
        sock.sendall(head("OPTIONS", "/"))
        assert reader.response().status == 200
        time.sleep(KEEPALIVE_TIMEOUT / 2)
        sock.sendall(head("OPTIONS", "/"))
        assert reader.response().status == 200

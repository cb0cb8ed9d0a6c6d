"""Connections per client address are limited; idle keep-alive connections make room
(issue 10, item 4: one client must not take every connection)."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack
from typing import Iterator

import pytest

from tests.serving.rawhttp import Reader, connect, exchange, head, start_server
from tests.support.server import ServerProcess

PER_ADDRESS = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from start_server(tmp_path_factory, "limits",
                            f"[server]\nmax_connections_per_address = {PER_ADDRESS}\n")


def busy_connections(stack: ExitStack, server: ServerProcess, source: str) -> list[socket.socket]:
    """PER_ADDRESS connections from ``source``, each in the middle of a request head."""
    sockets = []
    for _ in range(PER_ADDRESS):
        sock = stack.enter_context(connect(server, source))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n")
        sockets.append(sock)
    time.sleep(0.3)  # accepted and counted
    return sockets


def test_a_connection_over_the_per_address_limit_gets_503_with_retry_after(
        server: ServerProcess) -> None:
    with ExitStack() as stack:
        busy_connections(stack, server, "127.0.0.21")
        with connect(server, "127.0.0.21") as sock:
            reader = Reader(sock)
            response = reader.response()
            assert reader.closed()
    assert response.status == 503
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"].startswith("text/plain")
    assert f"too many connections from your address: the limit is {PER_ADDRESS}" \
        in response.text


def test_other_addresses_are_served_while_one_address_is_at_its_limit(
        server: ServerProcess) -> None:
    with ExitStack() as stack:
        busy_connections(stack, server, "127.0.0.22")
        with connect(server, "127.0.0.23") as sock:
            sock.sendall(head("OPTIONS", "/"))
            assert Reader(sock).response().status == 200


def test_a_closed_connection_frees_its_place(server: ServerProcess) -> None:
    with ExitStack() as stack:
        sockets = busy_connections(stack, server, "127.0.0.24")
        sockets[0].close()
        time.sleep(0.3)
        with connect(server, "127.0.0.24") as sock:
            sock.sendall(head("OPTIONS", "/"))
            assert Reader(sock).response().status == 200


def test_idle_keep_alive_connections_make_room_for_a_new_connection(
        server: ServerProcess) -> None:
    with ExitStack() as stack:
        idle = []
        for _ in range(PER_ADDRESS):
            sock = stack.enter_context(connect(server, "127.0.0.25"))
            reader = Reader(sock)
            sock.sendall(head("OPTIONS", "/"))
            assert reader.response().status == 200  # and the connection stays open
            idle.append(reader)
        with connect(server, "127.0.0.25") as sock:
            sock.sendall(head("OPTIONS", "/"))
            assert Reader(sock).response().status == 200
        assert idle[0].closed()  # the longest idle one was closed to make room


def test_the_503_is_a_complete_answer_for_a_client_that_already_sent_its_request(
        server: ServerProcess) -> None:
    with ExitStack() as stack:
        busy_connections(stack, server, "127.0.0.26")
        with connect(server, "127.0.0.26") as sock:
            sock.sendall(head("PUT", "/alice/contacts/x.vcf", {"Content-Length": "5"}) + b"hello")
            assert Reader(sock).response().status == 503


def test_a_normal_client_is_not_limited(server: ServerProcess) -> None:
    for _ in range(3 * PER_ADDRESS):  # one connection after another, each closed
        assert exchange(server, head("OPTIONS", "/", {"Connection": "close"})).status == 200

"""SIGTERM: stop accepting, close connections with nothing in flight, finish the
request in flight, exit 0."""

from __future__ import annotations

import signal
import socket
import time
from typing import Iterator

import pytest

from tests.serving.rawhttp import Reader, basic, connect, head, start_server
from tests.support.dav import vcard
from tests.support.server import ServerProcess


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from start_server(tmp_path_factory, "stop", "")


def test_sigterm_finishes_the_request_in_flight_and_exits_0(server: ServerProcess) -> None:
    assert server.process is not None
    card = vcard("in-flight", "In Flight").encode()
    auth = {"Authorization": basic("alice", "alice-pw")}
    with connect(server) as warm:  # alice's home exists before the test
        warm.sendall(head("PROPFIND", "/alice/", {**auth, "Depth": "0"}))
        assert Reader(warm).response().status == 207
    with connect(server) as in_flight, connect(server) as idle:
        in_flight.sendall(head("PUT", "/alice/contacts/in-flight.vcf",
                               {**auth, "Content-Length": str(len(card)),
                                "Content-Type": "text/vcard"}) + card[:20])
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert Reader(idle).closed()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        in_flight.sendall(card[20:])
        reader = Reader(in_flight)
        response = reader.response()
        assert response.status == 201
        assert response.headers["connection"] == "close"
        assert reader.closed()
    assert server.process.wait(timeout=15) == 0
    assert "stopped" in server.log()

"""Slow clients cannot starve the others (issue 10, item 4).

The issue's finding: 40 connections sending a header byte per second exhausted the
32-connection server, and a normal GET got no answer for 99 s. Here 100 such
connections stay open (from one address, the per-address limit raised so that it is
the design, not the limit, that is tested) while normal GETs are answered.
"""

from __future__ import annotations

import select
import threading
import time
from typing import Callable, Iterator

import pytest
import requests

from tests.serving.rawhttp import connect, start_server
from tests.support.dav import vcard
from tests.support.server import ServerProcess

SLOW = 100
#: the bound the issue asks for
ANSWER_WITHIN = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from start_server(tmp_path_factory, "slow-clients",
                            "[server]\nheader_timeout = 30\nmax_connections_per_address = 200\n")


class Trickle:
    """``count`` connections, each sending one byte of a request head per second."""

    HEAD = b"GET /alice/ HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 200

    def __init__(self, server: ServerProcess, count: int) -> None:
        self.sockets = [connect(server) for _ in range(count)]
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and self.sent < len(self.HEAD):
            byte = self.HEAD[self.sent:self.sent + 1]
            for sock in self.sockets:
                sock.send(byte)
            self.sent += 1
            self._stop.wait(1.0)

    def __enter__(self) -> "Trickle":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()

    def still_open(self) -> int:
        """Connections the server has neither answered nor closed."""
        readable, _, _ = select.select(self.sockets, [], [], 0)
        return len(self.sockets) - len(readable)


def test_a_get_is_answered_within_a_second_while_100_slow_connections_are_open(
        server: ServerProcess, record_property: Callable[[str, object], None]) -> None:
    url = f"{server.url}/alice/contacts/normal.vcf"
    auth = ("alice", "alice-pw")
    requests.request("PROPFIND", f"{server.url}/alice/", auth=auth, headers={"Depth": "1"})
    assert requests.put(url, data=vcard("normal", "Normal Person"), auth=auth,
                        headers={"Content-Type": "text/vcard"}).status_code == 201
    with Trickle(server, SLOW) as trickle:
        time.sleep(2.5)  # every slow connection is open and has sent bytes
        assert trickle.still_open() == SLOW
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            response = requests.get(url, auth=auth, timeout=30)  # a new connection each time
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        assert trickle.still_open() == SLOW
        assert trickle.sent >= 2
    record_property("get_seconds_with_100_slow_connections", max(timings))
    print(f"\nGET with {SLOW} slow connections open: max {max(timings) * 1000:.1f} ms, "
          f"min {min(timings) * 1000:.1f} ms over {len(timings)}")
    assert max(timings) < ANSWER_WITHIN


def test_slow_connections_hold_no_worker(server: ServerProcess) -> None:
    """More slow connections than worker threads: requests still run at once."""
    with Trickle(server, 20):
        time.sleep(1.5)
        started = time.perf_counter()
        responses = [requests.options(server.url + "/", timeout=30) for _ in range(10)]
        elapsed = time.perf_counter() - started
    assert all(response.status_code == 200 for response in responses)
    assert elapsed < 10 * ANSWER_WITHIN


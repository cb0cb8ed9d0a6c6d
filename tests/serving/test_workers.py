"""``cms-dav serve --workers 2`` on SQLite (issue 17, item 1): one port, two processes,
nothing lost between them, a dead worker replaced, a graceful stop across workers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import pytest
import requests

from tests.serving.rawhttp import Reader, basic, connect, head
from tests.support.dav import put_card, vcard
from tests.support.server import ServerProcess

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow


@pytest.fixture
def server(make_server: Callable[..., ServerProcess]) -> Iterator[ServerProcess]:
    started = make_server(users={"alice": "alice-pw", "bob": "bob-pw"}, workers=2)
    deadline = time.monotonic() + 30  # start() returns once ONE worker answers
    while len(listening_pids(started)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    yield started


def worker_pids(server: ServerProcess) -> set[int]:
    assert server.process is not None
    out = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                         text=True, check=False).stdout
    return {int(pid) for pid in out.split()}


def listening_pids(server: ServerProcess) -> set[int]:
    return {int(pid) for pid in re.findall(r"\[(\d+)\] \[INFO\] listening on", server.log())}


def test_two_worker_processes_listen_on_one_port(server: ServerProcess) -> None:
    assert len(worker_pids(server)) == 2
    assert listening_pids(server) == worker_pids(server)


def test_concurrent_writers_through_both_workers_lose_no_acknowledged_put(
        server: ServerProcess) -> None:
    book = server.url + "/alice/contacts/"
    requests.request("PROPFIND", book, auth=("alice", "alice-pw"), headers={"Depth": "0"})

    def write(index: int) -> tuple[str, str]:
        # a fresh connection per PUT, so the kernel spreads them over both workers
        with server.session("alice", "alice-pw") as session:
            response = put_card(session, book + f"w{index}.vcf",
                                vcard(f"w{index}", f"Writer {index}"))
        assert response.status_code == 201, response.text
        return f"w{index}.vcf", response.headers["ETag"]

    def served_by() -> set[str]:
        return set(re.findall(r"\[(\d+)/cms-dav-worker_\d+\] \[INFO\] \{", server.log()))

    acknowledged: list[tuple[str, str]] = []
    with ThreadPoolExecutor(max_workers=16) as pool:
        # rounds of 40 until both workers took writes: which worker accepts a connection
        # is the kernel's choice, so a busy machine may need more than one round
        for first in range(0, 400, 40):
            acknowledged += pool.map(write, range(first, first + 40))
            if len(served_by()) == 2:
                break
    assert len(served_by()) == 2  # both workers took writes
    for name, etag in acknowledged:
        got = requests.get(book + name, auth=("alice", "alice-pw"))
        assert got.status_code == 200
        assert got.headers["ETag"] == etag


def test_four_keep_alive_connections_opened_together_are_two_on_each_worker(
        server: ServerProcess) -> None:
    """Issue 19: asyncio's own accept took every queued connection at once, so 4 clients
    connecting together landed 3:1 or 4:0 and one worker (one core) did most of the work."""
    clients = [connect(server) for _ in range(4)]
    try:
        for sock in clients:  # a request on each: every connection has been accepted
            sock.sendall(head("OPTIONS", "/", {"Authorization": basic("alice", "alice-pw")}))
        for sock in clients:
            assert Reader(sock).response().status == 200
        ports = {sock.getsockname()[1] for sock in clients}
        held = sorted(len(ports & peer_ports(pid, server.port)) for pid in worker_pids(server))
    finally:
        for sock in clients:
            sock.close()
    assert held == [2, 2]


def peer_ports(pid: int, port: int) -> set[int]:
    """Client ports of the TCP connections to ``port`` that process ``pid`` holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if inode in inodes and int(local.split(":")[1], 16) == port:
            found.add(int(remote.split(":")[1], 16))
    return found


def test_a_killed_worker_is_replaced_and_the_port_keeps_answering(
        server: ServerProcess) -> None:
    before = worker_pids(server)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = worker_pids(server)
        if len(now) == 2 and victim not in now and len(listening_pids(server)) == 3:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no replacement worker:\n{server.log()}")
    assert f"(pid {victim}) ended (signal SIGKILL): starting another" in server.log()
    for _ in range(10):
        response = requests.get(server.url + "/.cms/health")
        assert response.status_code == 200


def test_sigterm_finishes_requests_in_flight_on_every_worker_and_exits_0(
        server: ServerProcess) -> None:
    assert server.process is not None
    auth = {"Authorization": basic("alice", "alice-pw")}
    with connect(server) as warm:
        warm.sendall(head("PROPFIND", "/alice/", {**auth, "Depth": "0"}))
        assert Reader(warm).response().status == 207
    cards = [vcard(f"flight{index}", f"Flight {index}").encode() for index in range(6)]
    sockets = [connect(server) for _ in cards]
    try:
        for index, (sock, card) in enumerate(zip(sockets, cards, strict=True)):
            sock.sendall(head("PUT", f"/alice/contacts/flight{index}.vcf",
                              {**auth, "Content-Length": str(len(card)),
                               "Content-Type": "text/vcard"}) + card[:20])
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        for sock, card in zip(sockets, cards, strict=True):
            sock.sendall(card[20:])
        for sock in sockets:
            response = Reader(sock).response()
            assert response.status == 201
            assert response.headers["connection"] == "close"
    finally:
        for sock in sockets:
            sock.close()
    assert server.process.wait(timeout=20) == 0
    assert server.log().count("] [INFO] stopped") == 2


def written_at(database: Path) -> int:
    """When the SQLite database file itself was last written: in WAL mode commits go to
    the WAL, and only a checkpoint copies their pages into the file."""
    return database.stat().st_mtime_ns


def test_the_supervisor_checkpoints_the_workers_writes_into_the_database_file(
        server: ServerProcess) -> None:
    # the workers' own connections never checkpoint (wal_autocheckpoint=0): only the
    # supervisor's checkpoints bring their commits into the database file
    database = server.data_dir / "cms-dav.sqlite3"
    before = written_at(database)
    with server.session("alice", "alice-pw") as alice:
        for index in range(5):
            response = put_card(alice, f"{server.url}/alice/contacts/cp{index}.vcf",
                                vcard(f"cp{index}", f"Checkpoint {index}"))
            assert response.status_code == 201
    deadline = time.monotonic() + 15
    while written_at(database) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert written_at(database) != before


def requests_counted(metrics_text: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics_text.splitlines()
               if line.startswith("cms_dav_http_requests_total{"))


def test_metrics_answered_by_any_worker_count_the_requests_of_both(
        server: ServerProcess) -> None:
    pattern = r"\[(\d+)/cms-dav-worker_\d+\] \[INFO\] \{.*/\.cms/health"

    def health(_: int) -> int:  # a fresh connection each time
        return requests.get(server.url + "/.cms/health").status_code

    sent = 0
    with ThreadPoolExecutor(max_workers=16) as pool:
        # concurrent clients until both workers have answered some (an idle event loop
        # may win every accept while requests come one at a time)
        while sent < 640 and len(set(re.findall(pattern, server.log()))) < 2:
            assert set(pool.map(health, range(64))) == {200}
            sent += 64
    assert len(set(re.findall(pattern, server.log()))) == 2
    for _ in range(6):  # whichever worker answers the scrape, it sums both
        assert requests_counted(requests.get(server.url + "/.cms/metrics").text) >= sent

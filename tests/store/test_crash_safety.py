"""Issue 2: an acknowledged write survives SIGKILL of the server."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.support.dav import vcard

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow


def test_sigkill_during_puts_loses_no_acknowledged_item(make_server):
    server = make_server(users={"alice": "alice-pw"})
    book = f"{server.url}/alice/contacts/"
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def writer(offset: int) -> None:
        session = requests.Session()
        session.auth = ("alice", "alice-pw")
        for index in range(offset, 1000, 2):
            text = vcard(f"crash-{index}", f"Crash Person {index}")
            try:
                response = session.put(f"{book}crash-{index}.vcf", data=text,
                                       headers={"Content-Type": "text/vcard"}, timeout=10)
            except requests.RequestException:
                return
            if response.status_code == 201:
                with lock:
                    acknowledged[f"crash-{index}.vcf"] = response.headers.get("ETag", "")
                    if len(acknowledged) >= 300:
                        enough.set()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    assert enough.wait(120), "the server did not acknowledge 300 PUTs"
    server.kill()
    for thread in threads:
        thread.join()
    with lock:
        survivors = dict(acknowledged)
    assert len(survivors) >= 300

    server.start()
    alice = server.session("alice", "alice-pw")
    for href, etag in survivors.items():
        response = alice.get(book + href)
        assert response.status_code == 200, href
        if etag:
            assert response.headers["ETag"] == etag
    check = server.cli("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "store is clean" in check.stdout

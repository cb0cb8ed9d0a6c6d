"""A node killed with SIGKILL in the middle of writes loses none it acknowledged: the
other nodes serve every one of them (issue 17, item 2)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.nodes.conftest import password
from tests.support.dav import put_card, vcard
from tests.support.server import ServerProcess

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow


def test_every_put_acknowledged_by_a_node_killed_mid_write_is_served_by_another(
        nodes: list[ServerProcess]) -> None:
    victim, survivor = nodes[0], nodes[1]
    book = "/alice/contacts/"
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def writer(number: int) -> None:
        with victim.session("alice", password("alice")) as alice:
            for index in range(1000):
                name = f"k{number}-{index}.vcf"
                try:
                    response = put_card(alice, victim.url + book + name,
                                        vcard(f"k{number}-{index}", f"Killed {index}"))
                except requests.RequestException:
                    return  # the node is gone; this write was never acknowledged
                if response.status_code == 201:
                    with lock:
                        acknowledged[name] = response.headers["ETag"]
                        if len(acknowledged) >= 30:
                            enough.set()

    with ThreadPoolExecutor(max_workers=4) as pool:
        for number in range(4):
            pool.submit(writer, number)
        assert enough.wait(timeout=120)
        victim.kill()  # SIGKILL while the writers are still sending
    assert len(acknowledged) >= 30
    with survivor.session("alice", password("alice")) as alice:
        for name, etag in acknowledged.items():
            response = alice.get(survivor.url + book + name)
            assert response.status_code == 200, name
            assert response.headers["ETag"] == etag

"""Several cms_dav nodes on one PostgreSQL agree (issue 17, item 2): conditional writes,
sync tokens, shares and login lockouts live in the database, not in a process."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.nodes.conftest import password
from tests.support.dav import hrefs, put_card, sync_collection, vcard
from tests.support.server import ServerProcess
from tests.support.sourced import propfind


def session(node: ServerProcess, user: str) -> requests.Session:
    return node.session(user, password(user))


def test_concurrent_if_match_puts_through_different_nodes_have_one_winner_per_etag(
        nodes: list[ServerProcess]) -> None:
    url = "/alice/contacts/contested.vcf"
    created = put_card(session(nodes[0], "alice"), nodes[0].url + url,
                       vcard("contested", "Start Value"))
    assert created.status_code == 201
    etag = created.headers["ETag"]
    winners: list[str] = []
    for generation in range(3):
        barrier = threading.Barrier(9)

        def attempt(index: int, etag: str = etag, generation: int = generation,
                    barrier: threading.Barrier = barrier) -> tuple[int, str, str]:
            node = nodes[index % 3]
            text = vcard("contested", f"Gen{generation} Writer{index}")
            with session(node, "alice") as alice:
                barrier.wait(timeout=30)
                response = put_card(alice, node.url + url, text, **{"If-Match": etag})
            return response.status_code, response.headers.get("ETag", ""), text

        with ThreadPoolExecutor(max_workers=9) as pool:
            results = list(pool.map(attempt, range(9)))
        won = [result for result in results if 200 <= result[0] < 300]
        assert len(won) == 1, results
        assert sorted(status for status, _, _ in results) == [won[0][0]] + [412] * 8
        etag = won[0][1]
        winners.append(won[0][2])
    for node in nodes:  # every node serves the last winner's write under its ETag
        final = session(node, "alice").get(node.url + url)
        assert final.headers["ETag"] == etag
        assert final.text.replace("\r\n", "\n") == winners[-1].replace("\r\n", "\n")


def test_writes_through_two_nodes_are_each_reported_once_by_a_sync_through_a_third(
        nodes: list[ServerProcess]) -> None:
    book = "/bob/contacts/"
    first, token, _ = sync_collection(session(nodes[2], "bob"), nodes[2].url + book)
    assert first.status_code == 207 and token

    def write(index: int) -> str:
        node = nodes[index % 2]
        with session(node, "bob") as bob:
            response = put_card(bob, f"{node.url}{book}client{index}.vcf",
                                vcard(f"client{index}", f"Client {index}"))
        assert response.status_code == 201, response.text
        return f"{book}client{index}.vcf"

    with ThreadPoolExecutor(max_workers=20) as pool:
        written = set(pool.map(write, range(20)))
    response, _, changes = sync_collection(session(nodes[2], "bob"), nodes[2].url + book,
                                           token)
    assert response.status_code == 207
    reported = hrefs(response)
    assert len(reported) == len(set(reported)) == 20
    assert set(reported) == written
    assert all(status == 200 for status in changes.values())


def test_a_share_granted_through_one_node_is_effective_through_another(
        nodes: list[ServerProcess]) -> None:
    source, mount = "/carol/contacts/", "/dave/contacts-from-carol/"
    card = put_card(session(nodes[0], "carol"), nodes[0].url + source + "shared.vcf",
                    vcard("shared", "Shared Card"))
    assert card.status_code == 201
    assert session(nodes[1], "dave").get(
        nodes[1].url + source + "shared.vcf").status_code in (403, 404)
    created = session(nodes[0], "carol").post(
        nodes[0].url + "/.sharing/v1/map/create",
        json={"PathMapped": source, "PathOrToken": mount, "User": "dave",
              "Permissions": "r", "Enabled": True, "Hidden": False})
    assert created.status_code == 200 and created.json()["Status"] == "success"
    for toggle in ("enable", "unhide"):
        accepted = session(nodes[1], "dave").post(
            nodes[1].url + f"/.sharing/v1/map/{toggle}", json={"PathOrToken": mount})
        assert accepted.status_code == 200 and accepted.json()["Status"] == "success"
    through_other = session(nodes[2], "dave").get(nodes[2].url + mount + "shared.vcf")
    assert through_other.status_code == 200
    assert "Shared Card" in through_other.text


def login_status(node: ServerProcess, user: str, secret: str) -> int:
    """PROPFIND Depth 0 of the user's home from 127.0.0.7 (one client network)."""
    return propfind(node, user, secret, source="127.0.0.7")


def test_ten_failed_logins_counted_across_two_nodes_lock_the_account_on_both(
        nodes: list[ServerProcess]) -> None:
    # erin never logged in, so no node knows her device from a verified login
    for attempt in range(10):  # [auth] lockout_threshold = 10 (the default)
        assert login_status(nodes[attempt % 2], "erin", f"guess-{attempt}") == 401
    assert login_status(nodes[0], "erin", password("erin")) == 401
    assert login_status(nodes[1], "erin", password("erin")) == 401
    assert login_status(nodes[2], "erin", password("erin")) == 401


def test_nine_failed_logins_across_two_nodes_do_not_lock_the_account(
        nodes: list[ServerProcess]) -> None:
    for attempt in range(9):
        assert login_status(nodes[attempt % 2], "frank", f"guess-{attempt}") == 401
    assert login_status(nodes[2], "frank", password("frank")) == 207

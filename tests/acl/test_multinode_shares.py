"""Two server processes on one PostgreSQL database: a share made through one node is
effective through the other at once, and so is its revocation.

Each node has its own data dir; the database, the rights file and the users file
are shared, as in a deployment behind a load balancer.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.conftest import fresh_pg_schema
from tests.support import dav
from tests.support.server import ServerProcess

PASSWORDS = {"alice": "alice-node-pw", "bob": "bob-node-pw", "carol": "carol-node-pw"}
RIGHTS = '[groups.sales]\nmembers = ["alice", "bob"]\n'
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
PROPS = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/>'
         '<d:current-user-privilege-set/></d:prop></d:propfind>')


@pytest.fixture(scope="module")
def schema_url() -> Iterator[str]:
    """One fresh PostgreSQL schema for the module (``pg_schema_url`` is per test)."""
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory, schema_url: str
          ) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    shared = tmp_path_factory.mktemp("shared")
    (shared / "rights.toml").write_text(RIGHTS)
    config = (f"[storage]\ndatabase_url = {schema_url}\n"
              f"[rights]\nfile = {shared / 'rights.toml'}\n"
              f"[auth]\nhtpasswd_file = {shared / 'users'}\n")
    servers = []
    for name in ("node1", "node2"):
        data = tmp_path_factory.mktemp(name)
        (data / "cms-dav.conf").write_text(config)
        servers.append(ServerProcess(data_dir=data, config=data / "cms-dav.conf"))
    users = HtpasswdFile(shared / "users", rounds=4)  # fast hashes: setup, not security
    for user, password in PASSWORDS.items():
        users.add(user, password)
    try:
        for server in servers:
            server.start()
        one = servers[0]
        alice = one.session("alice", PASSWORDS["alice"])
        for path in ("/alice/cli-cal/", "/alice/api-cal/"):
            dav.make_calendar(alice, one.url + path, path.strip("/"))
            alice.put(f"{one.url}{path}e1.ics", headers=ICS,
                      data=dav.vevent("e1", f"Event in {path}")).raise_for_status()
        for server in servers:
            for user in ("bob", "carol"):
                session(server, user).request("PROPFIND", f"{server.url}/{user}/",
                                              headers={"Depth": "0"})
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def session(server: ServerProcess, user: str) -> requests.Session:
    return server.session(user, PASSWORDS[user])


def bob_home(server: ServerProcess) -> list[str]:
    return dav.hrefs(dav.propfind(session(server, "bob"), f"{server.url}/bob/", PROPS, "1"))


def bob_reads(server: ServerProcess, href: str) -> int:
    return session(server, "bob").get(server.url + href).status_code


def test_a_share_granted_by_the_cli_of_node_one_is_effective_on_node_two(nodes):
    one, two = nodes
    assert bob_reads(two, "/bob/alice-cli-cal/e1.ics") in (403, 404)
    one.cli("share", "grant", "/alice/cli-cal/", "--to", "user:bob", "--access", "read",
            check=True)
    assert "/bob/alice-cli-cal/" in bob_home(two)
    assert bob_reads(two, "/bob/alice-cli-cal/e1.ics") == 200


def test_a_share_revoked_on_node_one_disappears_on_node_two(nodes):
    one, two = nodes
    one.cli("share", "grant", "/alice/cli-cal/", "--to", "user:carol", "--access", "read",
            check=True)
    carol = session(two, "carol")
    assert carol.get(f"{two.url}/carol/alice-cli-cal/e1.ics").status_code == 200
    one.cli("share", "revoke", "/alice/cli-cal/", "--to", "user:carol", check=True)
    listing = dav.propfind(carol, f"{two.url}/carol/", PROPS, "1")
    assert "/carol/alice-cli-cal/" not in dav.hrefs(listing)
    assert carol.get(f"{two.url}/carol/alice-cli-cal/e1.ics").status_code in (403, 404)


def test_a_share_created_through_the_http_api_of_node_one_works_on_node_two(nodes):
    one, two = nodes
    mount = "/bob/api-cal/"
    assert bob_reads(two, f"{mount}e1.ics") in (403, 404)  # node two has looked first
    created = session(one, "alice").post(f"{one.url}/.sharing/v1/map/create", json={
        "PathMapped": "/alice/api-cal/", "PathOrToken": mount, "User": "bob",
        "Permissions": "rw", "Enabled": True, "Hidden": False})
    assert created.status_code == 200, created.text
    for toggle in ("enable", "unhide"):
        response = session(one, "bob").post(f"{one.url}/.sharing/v1/map/{toggle}",
                                             json={"PathOrToken": mount})
        assert response.status_code == 200, response.text
    assert bob_reads(two, f"{mount}e1.ics") == 200
    assert mount in bob_home(two)


def test_a_write_through_a_share_on_node_two_is_visible_to_the_owner_on_node_one(nodes):
    one, two = nodes
    response = session(two, "bob").put(f"{two.url}/bob/api-cal/from-bob.ics", headers=ICS,
                                       data=dav.vevent("from-bob", "Written by bob"))
    assert response.status_code == 201, response.text
    seen = session(one, "alice").get(f"{one.url}/alice/api-cal/from-bob.ics")
    assert seen.status_code == 200 and "Written by bob" in seen.text


def test_an_api_share_deleted_on_node_one_is_gone_on_node_two_at_once(nodes):
    one, two = nodes
    mount = "/bob/api-cal/"
    assert bob_reads(two, f"{mount}e1.ics") == 200  # node two has it cached, if at all
    deleted = session(one, "alice").post(f"{one.url}/.sharing/v1/map/delete",
                                         json={"PathOrToken": mount})
    assert deleted.status_code == 200, deleted.text
    assert bob_reads(two, f"{mount}e1.ics") in (403, 404)
    assert mount not in bob_home(two)

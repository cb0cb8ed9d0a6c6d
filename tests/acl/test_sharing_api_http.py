"""Radicale's ``/.sharing/v1/`` API over the real server, backed by cms_dav's SQL shares.

alice shares her calendar with bob through the JSON API (as Radicale's web UI does);
bob accepts it (enable + unhide) and his client finds it in his home. A token share
gives anonymous read of that one collection and nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support import dav
from tests.support.server import ServerProcess

PASSWORDS = {"alice": "alice-api-pw", "bob": "bob-api-pw", "carol": "carol-api-pw"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
SOURCE = "/alice/plans/"
MOUNT = "/bob/plans-from-alice/"
PROPS = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/>'
         '<d:getetag/><d:current-user-privilege-set/></d:prop></d:propfind>')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("sharing-api")
    config = data / "cms-dav.conf"
    config.write_text("[sharing]\npublic_links = true\n")  # links are off by default
    server = ServerProcess(data_dir=data, config=config)
    users = HtpasswdFile(data / "users", rounds=4)  # fast hashes: setup, not security
    for name, password in PASSWORDS.items():
        users.add(name, password)
    server.start()
    try:
        alice = server.session("alice", PASSWORDS["alice"])
        for path in (SOURCE, "/alice/private/"):
            dav.make_calendar(alice, server.url + path, path.strip("/"))
            alice.put(f"{server.url}{path}meeting.ics", headers=ICS,
                      data=dav.vevent("meeting", f"Meeting in {path}")).raise_for_status()
        for user in ("bob", "carol"):
            server.session(user, PASSWORDS[user]).request(
                "PROPFIND", f"{server.url}/{user}/", headers={"Depth": "0"})
        yield server
    finally:
        server.stop()


def session(server: ServerProcess, user: str) -> requests.Session:
    return server.session(user, PASSWORDS[user])


def api(server: ServerProcess, user: str, call: str, body: dict[str, Any]) -> requests.Response:
    return session(server, user).post(f"{server.url}/.sharing/v1/{call}", json=body,
                                      headers={"Accept": "application/json"})


def home_hrefs(server: ServerProcess, user: str) -> list[str]:
    return dav.hrefs(dav.propfind(session(server, user), f"{server.url}/{user}/", PROPS))


def privileges_of(response: requests.Response, href: str) -> str:
    """The current-user-privilege-set XML of ``href`` in a multistatus."""
    block = response.text.split(f"<href>{href}</href>")[1].split("</response>")[0]
    return block.split("current-user-privilege-set")[1]


@pytest.fixture(scope="module")
def accepted_share(server):
    """alice shares read-only with bob; bob enables and unhides it."""
    created = api(server, "alice", "map/create", {
        "PathMapped": SOURCE, "PathOrToken": MOUNT, "User": "bob", "Permissions": "r",
        "Enabled": True, "Hidden": False})
    assert created.status_code == 200, created.text
    assert created.json()["Status"] == "success"
    hidden = home_hrefs(server, "bob")
    for toggle in ("enable", "unhide"):
        response = api(server, "bob", f"map/{toggle}", {"PathOrToken": MOUNT})
        assert response.status_code == 200 and response.json()["Status"] == "success"
    return hidden


def test_a_new_share_stays_out_of_the_home_until_the_sharee_accepts_it(accepted_share):
    assert MOUNT not in accepted_share


def test_the_owner_lists_the_share_created_through_the_api(server, accepted_share):
    listing = api(server, "alice", "map/list", {})
    assert listing.status_code == 200
    rows = [row for row in listing.json()["Content"] if row["PathOrToken"] == MOUNT]
    assert [(row["PathMapped"], row["User"]) for row in rows] == [(SOURCE, "bob")]


def test_an_accepted_share_is_in_the_home_with_its_items(server, accepted_share):
    assert MOUNT in home_hrefs(server, "bob")
    listing = dav.propfind(session(server, "bob"), server.url + MOUNT, PROPS, "1")
    assert listing.status_code == 207
    assert f"{MOUNT}meeting.ics" in dav.hrefs(listing)
    event = session(server, "bob").get(f"{server.url}{MOUNT}meeting.ics")
    assert event.status_code == 200 and f"Meeting in {SOURCE}" in event.text


def test_a_read_only_api_share_reports_read_without_write(server, accepted_share):
    response = dav.propfind(session(server, "bob"), f"{server.url}/bob/", PROPS, "1")
    granted = privileges_of(response, MOUNT)
    assert "<read" in granted
    assert "write" not in granted


def test_a_read_only_api_share_refuses_bobs_write(server, accepted_share):
    response = session(server, "bob").put(f"{server.url}{MOUNT}bob.ics", headers=ICS,
                                          data=dav.vevent("bob", "by bob"))
    assert response.status_code == 403
    assert session(server, "alice").get(f"{server.url}{SOURCE}bob.ics").status_code == 404


def test_nobody_can_share_a_collection_they_cannot_read(server):
    response = api(server, "carol", "map/create", {
        "PathMapped": "/alice/private/", "PathOrToken": "/carol/stolen/", "User": "carol",
        "Permissions": "r", "Enabled": True, "Hidden": False})
    assert response.status_code == 403
    assert "/carol/stolen/" not in home_hrefs(server, "carol")


def test_a_share_cannot_be_planted_in_someone_elses_home(server):
    response = api(server, "alice", "map/create", {
        "PathMapped": "/alice/private/", "PathOrToken": "/bob/planted/", "User": "carol",
        "Permissions": "r", "Enabled": True, "Hidden": False})
    assert response.status_code in (400, 403)
    assert "/bob/planted/" not in home_hrefs(server, "bob")
    assert session(server, "carol").get(
        f"{server.url}/bob/planted/meeting.ics").status_code in (403, 404)


def test_deleting_the_share_through_the_api_removes_it_from_the_home(server):
    mount = "/bob/private-from-alice/"
    assert api(server, "alice", "map/create", {
        "PathMapped": "/alice/private/", "PathOrToken": mount, "User": "bob",
        "Permissions": "r", "Enabled": True, "Hidden": False}).status_code == 200
    for toggle in ("enable", "unhide"):
        api(server, "bob", f"map/{toggle}", {"PathOrToken": mount})
    assert mount in home_hrefs(server, "bob")
    assert api(server, "alice", "map/delete", {"PathOrToken": mount}).status_code == 200
    assert mount not in home_hrefs(server, "bob")
    assert session(server, "bob").get(f"{server.url}{mount}meeting.ics").status_code in (403, 404)


# -- token shares ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def token(server) -> str:
    response = api(server, "alice", "token/create", {
        "PathMapped": SOURCE, "Permissions": "r", "Enabled": True, "Hidden": False})
    assert response.status_code == 200, response.text
    token = response.json()["PathOrToken"]
    assert token.startswith("/.token/v1/") and token.endswith("/")
    return token


def test_a_token_gives_anonymous_read_of_the_collection(server, token):
    event = requests.get(f"{server.url}{token}meeting.ics")
    assert event.status_code == 200 and f"Meeting in {SOURCE}" in event.text


def test_a_token_does_not_allow_anonymous_writes(server, token):
    response = requests.put(f"{server.url}{token}anon.ics", headers=ICS,
                            data=dav.vevent("anon", "anonymous"))
    assert response.status_code in (401, 403)
    assert session(server, "alice").get(f"{server.url}{SOURCE}anon.ics").status_code == 404


@pytest.mark.parametrize("escape", ["../private/meeting.ics", "..%2Fprivate/meeting.ics",
                                    "%2e%2e/private/meeting.ics"])
def test_a_token_does_not_reach_a_sibling_collection(server, token, escape):
    response = requests.get(f"{server.url}{token}{escape}")
    assert response.status_code in (400, 401, 403, 404)
    assert "Meeting in /alice/private/" not in response.text


def test_an_unknown_token_reaches_nothing(server, token):
    forged = token[:-6] + ("AAAAA/" if not token.endswith("AAAAA/") else "BBBBB/")
    response = requests.get(f"{server.url}{forged}meeting.ics")
    assert response.status_code in (401, 403, 404)
    assert "BEGIN:VCALENDAR" not in response.text


def test_anonymous_access_outside_the_token_is_refused(server, token):
    for path in (f"{SOURCE}meeting.ics", "/alice/private/meeting.ics"):
        response = requests.get(server.url + path)
        assert response.status_code in (401, 403, 404)
        assert "BEGIN:VCALENDAR" not in response.text

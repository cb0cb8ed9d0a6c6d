"""The JSON API's segment members (``GET /segments/{name}/members``): the people a
segment of the caller's holds now, read from its published address book after bringing
it up to date; 404 for a segment the caller does not get. The same lookup
(:func:`cms_dav.api.access.segment_book`) serves the web app's segment page."""

from __future__ import annotations

import pytest
import requests

from tests.api.support import API, book_url
from tests.support.dav import make_addressbook
from tests.support.server import ServerProcess

SEGMENT = "vip-api"
SOURCE = "seg-api-src"


def _add(alice: requests.Session, server: ServerProcess, uid: str, name: str,
         categories: list[str]) -> None:
    created = alice.post(book_url(server, book=SOURCE),
                         json={"uid": uid, "name": {"formatted": name},
                               "categories": categories})
    assert created.status_code == 201, created.text


@pytest.fixture(scope="module")
def segment(api_server: ServerProcess, alice: requests.Session) -> str:
    make_addressbook(alice, f"{api_server.url}/alice/{SOURCE}/", "Segment source")
    _add(alice, api_server, "api-vip-1", "Vip One", ["VIP"])
    _add(alice, api_server, "api-plain-1", "Plain One", [])
    api_server.cli("segment", "add", SEGMENT, "--owner", "user:alice", "--from",
                   f"/alice/{SOURCE}/", "--category", "VIP", check=True)
    return SEGMENT


def _members(session: requests.Session, server: ServerProcess, name: str
             ) -> requests.Response:
    return session.get(f"{server.url}{API}/segments/{name}/members")


def test_a_segments_members_are_the_cards_its_filter_picks(
        api_server: ServerProcess, alice: requests.Session, segment: str) -> None:
    answer = _members(alice, api_server, segment)
    assert answer.status_code == 200, answer.text
    assert [member["uid"] for member in answer.json()] == ["api-vip-1"]
    assert answer.json()[0]["address_book"] == f"alice/{segment}"


def test_a_card_written_after_the_segment_was_made_is_a_member(
        api_server: ServerProcess, alice: requests.Session, segment: str) -> None:
    _add(alice, api_server, "api-vip-2", "Vip Two", ["VIP"])
    answer = _members(alice, api_server, segment)
    assert answer.status_code == 200, answer.text
    assert "api-vip-2" in [member["uid"] for member in answer.json()]


def test_a_segment_the_caller_does_not_get_is_404(
        api_server: ServerProcess, bob: requests.Session, segment: str) -> None:
    answer = _members(bob, api_server, segment)
    assert answer.status_code == 404, answer.text
    assert segment in answer.text

"""The JSON API asks the ACL exactly as the DAV door does: bob never gets alice's
unshared contacts (list, search, get, update, delete, and the records of a contact),
a read-only share lets him read but not write, and a revoked share is gone at once."""

from __future__ import annotations

import pytest
import requests

from tests.api.support import API, book_url
from tests.support.server import ServerProcess

SECRET = {"uid": "secret-1", "name": {"given": "Tajna", "family": "Osoba"},
          "emails": [{"value": "tajna@example.com"}]}


@pytest.fixture(scope="module")
def secret(api_server: ServerProcess, alice: requests.Session) -> str:
    """The URL of a contact in alice's unshared address book."""
    response = alice.post(book_url(api_server, book="private"), json=SECRET)
    if response.status_code == 404:  # the book does not exist yet: made over CardDAV
        from tests.support.dav import make_addressbook
        make_addressbook(alice, f"{api_server.url}/alice/private/", "Private")
        response = alice.post(book_url(api_server, book="private"), json=SECRET)
    assert response.status_code == 201, response.text
    return f"{api_server.url}{response.headers['Location']}"


def test_bob_cannot_list_alices_unshared_book(api_server: ServerProcess,
                                              bob: requests.Session, secret: str) -> None:
    listed = bob.get(book_url(api_server, book="private"))
    assert listed.status_code == 404
    assert "alice/private" not in bob.get(f"{api_server.url}{API}/address-books").text


def test_bob_cannot_find_alices_unshared_contact_by_search(
        api_server: ServerProcess, bob: requests.Session, secret: str) -> None:
    for params in ({"q": "Tajna"}, {"q": "tajna@example.com"}, {"not_contacted_days": 0}):
        found = bob.get(f"{api_server.url}{API}/contacts", params=params)
        assert found.status_code == 200, found.text
        assert "secret-1" not in found.text


def test_bob_cannot_get_alices_unshared_contact_or_its_records(
        bob: requests.Session, secret: str) -> None:
    for suffix in ("", "/interactions", "/audit", "/history"):
        answer = bob.get(secret + suffix)
        assert answer.status_code == 404, suffix
        assert "Tajna" not in answer.text


def test_bob_can_neither_update_nor_delete_alices_unshared_contact(
        alice: requests.Session, bob: requests.Session, secret: str) -> None:
    before = alice.get(secret).json()
    assert bob.put(secret, json={"title": "x"}, headers={"If-Match": "*"}).status_code == 404
    assert bob.delete(secret).status_code == 404
    assert bob.post(secret + "/interactions", json={"kind": "note", "text": "x"}
                    ).status_code == 404
    assert alice.get(secret).json() == before


def test_a_read_share_lets_bob_read_but_not_write_until_it_is_revoked(
        api_server: ServerProcess, alice: requests.Session, bob: requests.Session,
        secret: str) -> None:
    shares = f"{api_server.url}{API}/shares/alice/private"
    granted = alice.post(shares, json={"to": "user:bob", "access": "read"})
    assert granted.status_code == 201, granted.text
    assert bob.get(secret).json()["uid"] == "secret-1"
    refused = bob.put(secret, json={"title": "x"}, headers={"If-Match": "*"})
    assert refused.status_code == 403
    assert bob.post(shares, json={"to": "user:bob", "access": "write"}).status_code == 403
    assert alice.delete(shares, params={"to": "user:bob"}).status_code == 204
    assert bob.get(secret).status_code == 404


def test_alice_finds_her_own_contact_by_the_same_searches(
        api_server: ServerProcess, alice: requests.Session, secret: str) -> None:
    for params in ({"q": "Tajna"}, {"q": "tajna@example.com"}, {"not_contacted_days": 0}):
        found = alice.get(f"{api_server.url}{API}/contacts", params=params)
        assert "secret-1" in {c["uid"] for c in found.json()}, params

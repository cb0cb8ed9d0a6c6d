"""A version restored with ``cms-dav history restore`` reaches clients as a normal change
(issue 13 item 4): real server, CardDAV sync-collection and GET."""

from __future__ import annotations

import json

import pytest

from tests.support.dav import make_addressbook, put_card, sync_collection, vcard
from tests.support.server import ServerProcess


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """The module's one server: each test works in a book of its own, deleted after it."""
    return shared_server


V1 = vcard("ada", "Ada Lovelace",
           "TEL;TYPE=work:+44 20 7946 0000\r\nNOTE:first\\, kept as sent\r\n")
V2 = vcard("ada", "Ada Lovelace", "TEL;TYPE=work:+44 20 7946 0001\r\n")


def test_a_restored_version_is_a_normal_change_with_the_old_bytes_and_a_new_etag(server):
    alice = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/book/"
    make_addressbook(alice, book)
    assert put_card(alice, book + "ada.vcf", V1).status_code == 201
    first_etag = alice.get(book + "ada.vcf").headers["ETag"]
    assert put_card(alice, book + "ada.vcf", V2).status_code == 204
    second_etag = alice.get(book + "ada.vcf").headers["ETag"]
    _, token, _ = sync_collection(alice, book)

    listed = json.loads(server.cli("history", "ada", "--user", "alice", "--json",
                                   check=True).stdout)
    oldest = listed[-1]["version"]
    server.cli("history", "restore", "ada", oldest, "--user", "alice", check=True)

    _, _, changed = sync_collection(alice, book, token)
    assert changed == {"/alice/book/ada.vcf": 200}
    response = alice.get(book + "ada.vcf")
    assert response.content == V1.encode("utf-8")
    assert response.headers["ETag"] != second_etag
    assert response.headers["ETag"] == first_etag  # the ETag of that text, as then


def test_the_listing_names_the_door_each_version_came_through(server):
    alice = server.session("alice", "alice-pw")
    book = f"{server.url}/alice/doors/"
    make_addressbook(alice, book)
    put_card(alice, book + "bo.vcf", vcard("bo", "Bo Door"))
    put_card(alice, book + "bo.vcf", vcard("bo", "Bo Door", "NOTE:edited over HTTP\r\n"))
    server.cli("notes", "add", "bo", "--user", "alice", "--type", "call", "--text", "hi",
               check=True)
    listed = json.loads(server.cli("history", "bo", "--json", check=True).stdout)
    assert [(row["author"], row["door"], row["summary"]) for row in listed] == [
        ("alice", "cli", "NOTE changed, X-CMS-INTERACTION added"),  # the timeline block
        ("alice", "http", "NOTE added"),
        ("", "", "oldest kept version")]

"""Issue 2, raw HTTP: ETags, preconditions, sync tokens, bad input, authentication."""

from __future__ import annotations

import pytest
import requests

from tests.support.dav import (hrefs, make_addressbook, propfind, put_card,
                               sync_collection, vcard)

GETETAG = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/>'
           '</d:prop></d:propfind>')


@pytest.fixture
def server(shared_server):
    """The module's one server: each test makes its own book, deleted after it."""
    return shared_server


def _book(server, session: requests.Session, name: str = "book") -> str:
    url = f"{server.url}/alice/{name}/"
    make_addressbook(session, url)
    return url


def test_etag_changes_on_every_write(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    etags = set()
    for version in range(3):
        response = put_card(alice, book + "c.vcf", vcard("c", f"Card V{version}"))
        assert response.status_code in (201, 204)
        etags.add(alice.get(book + "c.vcf").headers["ETag"])
    assert len(etags) == 3


def test_stale_if_match_gets_412_and_changes_nothing(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    put_card(alice, book + "c.vcf", vcard("c", "Original Name"))
    stale = alice.get(book + "c.vcf").headers["ETag"]
    put_card(alice, book + "c.vcf", vcard("c", "Second Name"), **{"If-Match": stale})
    response = put_card(alice, book + "c.vcf", vcard("c", "Lost Update"),
                        **{"If-Match": stale})
    assert response.status_code == 412
    assert "Second Name" in alice.get(book + "c.vcf").text


def test_if_none_match_star_refuses_to_overwrite(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    put_card(alice, book + "c.vcf", vcard("c", "First"))
    response = put_card(alice, book + "c.vcf", vcard("c", "Second"), **{"If-None-Match": "*"})
    assert response.status_code == 412
    assert "First" in alice.get(book + "c.vcf").text


def test_incremental_sync_returns_exactly_the_changes(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    for index in range(10):
        put_card(alice, book + f"c{index}.vcf", vcard(f"c{index}", f"Person {index}"))
    _, token, initial = sync_collection(alice, book)
    assert len(initial) == 10
    put_card(alice, book + "c1.vcf", vcard("c1", "Person One Changed"))
    put_card(alice, book + "new.vcf", vcard("new", "Person New"))
    assert alice.delete(book + "c2.vcf").status_code in (200, 204)
    _, token2, changed = sync_collection(alice, book, token)
    assert changed == {"/alice/book/c1.vcf": 200, "/alice/book/new.vcf": 200,
                       "/alice/book/c2.vcf": 404}
    _, token3, unchanged = sync_collection(alice, book, token2)
    assert unchanged == {} and token3 == token2


def test_invalid_sync_token_gets_rfc6578_error(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    for token in ("http://cms-dav.org/ns/sync/deadbeef-1", "garbage",
                  "http://cms-dav.org/ns/sync/"):
        response, _, _ = sync_collection(alice, book, token)
        assert response.status_code == 403
        assert "valid-sync-token" in response.text


def test_sync_token_from_the_future_is_invalid(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    _, token, _ = sync_collection(alice, book)
    epoch = token.rsplit("/", 1)[1].split("-")[0]
    response, _, _ = sync_collection(alice, book, f"http://cms-dav.org/ns/sync/{epoch}-99")
    assert response.status_code == 403


def test_malformed_vcard_is_rejected_and_nothing_stored(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    response = put_card(alice, book + "bad.vcf", "BEGIN:VCARD\r\nFN:no end\r\n")
    assert response.status_code == 400
    assert alice.get(book + "bad.vcf").status_code == 404


def test_event_in_address_book_is_rejected(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:e1\r\n"
             "DTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\nSUMMARY:x\r\n"
             "END:VEVENT\r\nEND:VCALENDAR\r\n")
    response = alice.put(book + "e1.ics", data=event, headers={"Content-Type": "text/calendar"})
    assert 400 <= response.status_code < 500
    assert alice.get(book + "e1.ics").status_code == 404


def test_duplicate_uid_is_a_conflict_and_nothing_stored(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    put_card(alice, book + "one.vcf", vcard("same-uid", "First Person"))
    response = put_card(alice, book + "two.vcf", vcard("same-uid", "Second Person"))
    assert response.status_code == 409
    assert "no-uid-conflict" in response.text
    assert alice.get(book + "two.vcf").status_code == 404


def test_unauthenticated_request_gets_401(server):
    response = requests.request("PROPFIND", f"{server.url}/alice/", headers={"Depth": "0"})
    assert response.status_code == 401
    assert "Basic" in response.headers.get("WWW-Authenticate", "")


def test_alice_cannot_read_bobs_home(server):
    bob = server.session("bob", "bob-pw")
    make_addressbook(bob, f"{server.url}/bob/private/")
    put_card(bob, f"{server.url}/bob/private/secret.vcf", vcard("s", "Secret Person"))
    alice = server.session("alice", "alice-pw")
    assert alice.get(f"{server.url}/bob/private/secret.vcf").status_code in (403, 404)
    listing = propfind(alice, f"{server.url}/bob/", GETETAG)
    assert listing.status_code in (403, 404)
    assert "Secret" not in listing.text and "private" not in listing.text


def test_depth1_propfind_lists_items_with_etags(server):
    alice = server.session("alice", "alice-pw")
    book = _book(server, alice)
    put_card(alice, book + "a.vcf", vcard("a", "Anna Nowak"))
    put_card(alice, book + "b.vcf", vcard("b", "Bartek Zieliński"))
    response = propfind(alice, book, GETETAG)
    assert response.status_code == 207
    assert sorted(hrefs(response)) == ["/alice/book/", "/alice/book/a.vcf",
                                       "/alice/book/b.vcf"]


def test_new_user_gets_an_address_book_and_a_calendar(server):
    alice = server.session("alice", "alice-pw")
    response = propfind(alice, f"{server.url}/alice/", GETETAG)
    assert {"/alice/contacts/", "/alice/calendar/"} <= set(hrefs(response))


def test_xml_bomb_is_refused_with_400(server):
    alice = server.session("alice", "alice-pw")
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&lol2;</d:displayname>'
            '</d:prop></d:propfind>')
    response = propfind(alice, f"{server.url}/alice/", bomb)
    assert response.status_code == 400
    assert "XML" in response.text


def test_oversized_body_is_refused(make_server):
    small = make_server(config_text="[server]\nmax_body_bytes = 2000\n",
                        users={"alice": "alice-pw"})
    alice = small.session("alice", "alice-pw")
    big = "NOTE:" + "x" * 5000 + "\r\n"
    response = put_card(alice, f"{small.url}/alice/contacts/big.vcf", vcard("big", "Big", big))
    assert response.status_code == 413
    assert alice.get(f"{small.url}/alice/contacts/big.vcf").status_code == 404

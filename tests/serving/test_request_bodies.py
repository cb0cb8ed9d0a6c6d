"""Request bodies at the front: framing errors are named 400s, the size limit is a 413
before the body is read, chunked bodies reach Radicale whole (issue 10, item 3)."""

from __future__ import annotations

import pytest
import requests

from tests.serving.rawhttp import BODY_LIMIT, Reader, basic, chunked, connect, exchange, head
from tests.support.dav import vcard
from tests.support.server import ServerProcess

LIMIT = BODY_LIMIT
ALICE = {"Authorization": basic("alice", "alice-pw")}


@pytest.fixture(scope="module")
def server(shared_server: ServerProcess) -> ServerProcess:
    return shared_server


@pytest.fixture(scope="module")
def alice(server: ServerProcess) -> requests.Session:
    session = server.session("alice", "alice-pw")
    assert session.request("PROPFIND", server.url + "/alice/", headers={"Depth": "1"}
                           ).status_code == 207  # creates alice's contacts and calendar
    return session


def stored(alice: requests.Session, server: ServerProcess, name: str) -> bool:
    return alice.get(f"{server.url}/alice/contacts/{name}").status_code == 200


CARD = vcard("bad-length", "Bad Length").encode()


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", " "])
def test_a_malformed_content_length_is_refused_with_400_naming_the_header(
        server: ServerProcess, alice: requests.Session, length: str) -> None:
    response = exchange(server, head("PUT", "/alice/contacts/bad.vcf",
                                     {**ALICE, "Content-Length": length}) + CARD)
    assert response.status == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "Content-Length" in response.text
    assert not stored(alice, server, "bad.vcf")


def test_content_length_minus_one_stores_nothing(server: ServerProcess,
                                                 alice: requests.Session) -> None:
    """The issue's finding: ``Content-Length: -1`` stored an item (201)."""
    response = exchange(server, head("PUT", "/alice/contacts/minus.vcf",
                                     {**ALICE, "Content-Length": "-1"}) + CARD)
    assert response.status == 400
    assert not stored(alice, server, "minus.vcf")


def test_content_length_abc_is_a_400_not_a_500(server: ServerProcess,
                                               alice: requests.Session) -> None:
    response = exchange(server, head("PUT", "/alice/contacts/abc.vcf",
                                     {**ALICE, "Content-Length": "abc"}) + CARD)
    assert response.status == 400
    assert "invalid Content-Length header" in response.text


def test_content_length_repeated_with_different_values_is_refused(
        server: ServerProcess, alice: requests.Session) -> None:
    data = (f"PUT /alice/contacts/twice.vcf HTTP/1.1\r\nHost: test\r\n"
            f"Authorization: {ALICE['Authorization']}\r\nContent-Length: {len(CARD)}\r\n"
            f"Content-Length: {len(CARD) + 1}\r\n\r\n").encode() + CARD
    response = exchange(server, data)
    assert response.status == 400
    assert "Content-Length header: repeated with different values" in response.text
    assert not stored(alice, server, "twice.vcf")


def test_content_length_with_transfer_encoding_is_refused(
        server: ServerProcess, alice: requests.Session) -> None:
    response = exchange(server, head("PUT", "/alice/contacts/both.vcf",
                                     {**ALICE, "Content-Length": str(len(CARD)),
                                      "Transfer-Encoding": "chunked"}) + chunked(CARD))
    assert response.status == 400
    assert "Content-Length and Transfer-Encoding" in response.text
    assert not stored(alice, server, "both.vcf")


def test_a_declared_body_over_the_limit_gets_413_before_it_is_sent(
        server: ServerProcess, alice: requests.Session) -> None:
    with connect(server, timeout=5) as sock:
        sock.sendall(head("PUT", "/alice/contacts/big.vcf",
                          {**ALICE, "Content-Length": str(LIMIT + 1)}))
        response = Reader(sock).response()  # not one body byte was sent
    assert response.status == 413
    assert f"the limit is {LIMIT}" in response.text
    assert response.headers["connection"] == "close"
    assert not stored(alice, server, "big.vcf")


def test_a_chunked_body_gets_413_as_soon_as_it_passes_the_limit(
        server: ServerProcess, alice: requests.Session) -> None:
    with connect(server, timeout=5) as sock:
        sock.sendall(head("PUT", "/alice/contacts/big-chunked.vcf",
                          {**ALICE, "Transfer-Encoding": "chunked"}))
        piece = b"x" * 40_000
        for _ in range(3):  # 120 kB, past the limit; the last chunk is never sent
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        response = Reader(sock).response()
    assert response.status == 413
    assert f"passed the limit of {LIMIT} bytes" in response.text
    assert not stored(alice, server, "big-chunked.vcf")


def test_expect_100_continue_gets_100_then_the_answer(server: ServerProcess,
                                                      alice: requests.Session) -> None:
    card = vcard("expect", "Expect Continue").encode()
    with connect(server) as sock:
        sock.sendall(head("PUT", "/alice/contacts/expect.vcf",
                          {**ALICE, "Content-Length": str(len(card)),
                           "Content-Type": "text/vcard", "Expect": "100-continue"}))
        reader = Reader(sock)
        assert reader.response().status == 100
        sock.sendall(card)
        assert reader.response().status == 201
    assert stored(alice, server, "expect.vcf")


def test_expect_100_continue_over_the_limit_gets_413_and_no_100(
        server: ServerProcess) -> None:
    response = exchange(server, head("PUT", "/alice/contacts/nope.vcf",
                                     {**ALICE, "Content-Length": str(LIMIT * 10),
                                      "Expect": "100-continue"}))
    assert response.status == 413


def test_a_chunked_put_stores_the_whole_card(server: ServerProcess,
                                             alice: requests.Session) -> None:
    card = vcard("chunked", "Chunked Upload").encode()
    response = exchange(server, head("PUT", "/alice/contacts/chunked.vcf",
                                     {**ALICE, "Transfer-Encoding": "chunked",
                                      "Content-Type": "text/vcard"}) + chunked(card))
    assert response.status == 201
    assert "Chunked Upload" in alice.get(f"{server.url}/alice/contacts/chunked.vcf").text


PROPFIND_DISPLAYNAME = (b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop>'
                        b'<d:displayname/></d:prop></d:propfind>')


def test_a_chunked_propfind_body_is_answered_as_its_content_says(
        server: ServerProcess, alice: requests.Session) -> None:
    """The issue's finding: chunked PROPFIND bodies were answered as if empty (allprop)."""
    response = exchange(server, head("PROPFIND", "/alice/contacts/",
                                     {**ALICE, "Depth": "0", "Content-Type": "application/xml",
                                      "Transfer-Encoding": "chunked"})
                        + chunked(PROPFIND_DISPLAYNAME))
    assert response.status == 207
    assert "<displayname>Contacts</displayname>" in response.text
    assert "getetag" not in response.text  # an empty body (allprop) would list it


def test_a_chunked_report_body_is_answered_as_its_content_says(
        server: ServerProcess, alice: requests.Session) -> None:
    book = f"{server.url}/alice/contacts/"
    for uid in ("wanted", "other"):
        alice.put(book + f"{uid}.vcf", data=vcard(uid, f"Person {uid}"),
                  headers={"Content-Type": "text/vcard"})
    multiget = (b'<?xml version="1.0"?><C:addressbook-multiget xmlns:d="DAV:" '
                b'xmlns:C="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop>'
                b'<d:href>/alice/contacts/wanted.vcf</d:href></C:addressbook-multiget>')
    response = exchange(server, head("REPORT", "/alice/contacts/",
                                     {**ALICE, "Depth": "1", "Content-Type": "application/xml",
                                      "Transfer-Encoding": "chunked"}) + chunked(multiget))
    assert response.status == 207
    assert "/alice/contacts/wanted.vcf" in response.text
    assert "/alice/contacts/other.vcf" not in response.text

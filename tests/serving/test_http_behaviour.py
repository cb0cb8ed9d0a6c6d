"""HTTP/1.1 as clients use it: keep-alive, pipelining, HTTP/1.0, HEAD, streamed
listings, and named refusals for broken heads (RFC 9112)."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.serving.rawhttp import Reader, basic, connect, exchange, head
from tests.support.dav import make_addressbook, vcard
from tests.support.server import ServerProcess

ALICE = {"Authorization": basic("alice", "alice-pw")}
CARDS = 40


@pytest.fixture(scope="module")
def server(shared_server: ServerProcess) -> ServerProcess:
    return shared_server


@pytest.fixture(scope="module")
def book(server: ServerProcess) -> str:
    """An address book of alice's with CARDS cards."""
    alice = server.session("alice", "alice-pw")
    alice.request("PROPFIND", server.url + "/alice/", headers={"Depth": "1"})
    make_addressbook(alice, f"{server.url}/alice/listing/")
    for index in range(CARDS):
        response = alice.put(f"{server.url}/alice/listing/c{index}.vcf",
                             data=vcard(f"c{index}", f"Person {index}"),
                             headers={"Content-Type": "text/vcard"})
        assert response.status_code == 201
    return "/alice/listing/"


def test_a_connection_is_kept_alive_between_requests(server: ServerProcess, book: str) -> None:
    with connect(server) as sock:
        reader = Reader(sock)
        for index in range(3):
            sock.sendall(head("GET", f"{book}c{index}.vcf", ALICE))
            response = reader.response()
            assert response.status == 200
            assert f"Person {index}" in response.text


def test_pipelined_requests_are_answered_in_order(server: ServerProcess, book: str) -> None:
    with connect(server) as sock:
        sock.sendall(b"".join(head("GET", f"{book}c{index}.vcf", ALICE) for index in range(3)))
        reader = Reader(sock)
        texts = [reader.response().text for _ in range(3)]
    assert [f"Person {index}" in text for index, text in enumerate(texts)] == [True] * 3


def test_an_http_1_0_request_is_answered_and_the_connection_closed(
        server: ServerProcess, book: str) -> None:
    with connect(server) as sock:
        sock.sendall(head("GET", f"{book}c1.vcf", ALICE, version="HTTP/1.0"))
        reader = Reader(sock)
        response = reader.response()
        assert reader.closed()
    assert response.status == 200
    assert "Person 1" in response.text


def test_head_has_the_headers_of_get_and_no_body(server: ServerProcess, book: str) -> None:
    with connect(server) as sock:
        reader = Reader(sock)
        sock.sendall(head("HEAD", f"{book}c2.vcf", ALICE))
        headed = reader.response(head_only=True)
        sock.sendall(head("GET", f"{book}c2.vcf", ALICE))  # framing intact after HEAD
        got = reader.response()
    assert headed.status == got.status == 200
    assert headed.headers["etag"] == got.headers["etag"]
    assert "Person 2" in got.text


PROPFIND = (b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/>'
            b'</d:prop></d:propfind>')


@pytest.mark.parametrize("version", ["HTTP/1.1", "HTTP/1.0"])
def test_a_streamed_listing_arrives_whole(server: ServerProcess, book: str,
                                          version: str) -> None:
    response = exchange(server, head("PROPFIND", book,
                                     {**ALICE, "Depth": "1", "Content-Length": str(len(PROPFIND)),
                                      "Content-Type": "application/xml"}, version) + PROPFIND)
    assert response.status == 207
    assert response.text.count("<getetag>") == CARDS + 1  # the book and its cards
    assert response.text.rstrip().endswith("</multistatus>")


def test_a_malformed_request_line_is_refused_by_name(server: ServerProcess) -> None:
    response = exchange(server, b"NOT HTTP AT ALL\r\n\r\n")
    assert response.status == 400
    assert "malformed request line" in response.text


def test_a_request_head_over_64_kb_gets_431(server: ServerProcess) -> None:
    response = exchange(server, head("GET", "/", {"X-Big": "a" * 70_000}))
    assert response.status == 431
    assert "65536 bytes" in response.text


def test_a_request_without_host_is_refused_by_name(server: ServerProcess) -> None:
    response = exchange(server, b"GET / HTTP/1.1\r\n\r\n")
    assert response.status == 400
    assert "missing Host header" in response.text


def test_an_unknown_transfer_encoding_gets_501(server: ServerProcess) -> None:
    response = exchange(server, head("PUT", "/alice/contacts/x.vcf",
                                     {**ALICE, "Transfer-Encoding": "gzip"}))
    assert response.status == 501
    assert "Transfer-Encoding" in response.text


def test_requests_library_round_trip(server: ServerProcess, book: str) -> None:
    response = requests.get(f"{server.url}{book}c3.vcf", auth=("alice", "alice-pw"))
    assert response.status_code == 200
    assert "Person 3" in response.text


def test_credentials_never_reach_the_log(server: ServerProcess, book: str) -> None:
    exchange(server, head("GET", f"{book}c4.vcf", ALICE))
    exchange(server, head("GET", "/", {**ALICE, "Content-Length": "abc"}))
    token = base64.b64encode(b"alice:alice-pw").decode()
    assert token not in server.log()
    assert "alice-pw" not in server.log()

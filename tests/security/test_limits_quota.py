"""Quotas (issue 10, item 3): collections per user and items per collection, enforced
inside the store's write transaction so that HTTP and the CLI obey them alike; a refusal
is 507 with DAV:quota-not-exceeded (RFC 4331 §6) and a description."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.security.limits_support import assert_refusal, hrefs, put, session, vcard
from tests.support.server import ServerProcess

MKCOL = ('<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
         'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
         '<D:collection/><CR:addressbook/></D:resourcetype></D:prop></D:set></D:mkcol>')


@pytest.fixture
def server(tight_server: ServerProcess) -> ServerProcess:
    """max_collections_per_user = 4, max_items_per_collection = 3 (see conftest)."""
    return tight_server

def _mkcol(url: str, user: str = "erin") -> requests.Response:
    return session(user).request("MKCOL", url, data=MKCOL,
                                 headers={"Content-Type": "application/xml"})


def test_mkcol_past_the_collections_quota_is_refused_with_507(server: ServerProcess) -> None:
    # erin's home starts with contacts and calendar: two more fit under 4
    assert _mkcol(f"{server.url}/erin/book-a/").status_code == 201
    assert _mkcol(f"{server.url}/erin/book-b/").status_code == 201
    answer = _mkcol(f"{server.url}/erin/book-c/")
    assert_refusal(answer, 507, "D:quota-not-exceeded", "max_collections_per_user")
    assert session("erin").request("PROPFIND", f"{server.url}/erin/book-c/",
                             headers={"Depth": "0"}).status_code == 404
    assert _mkcol(f"{server.url}/frank/book-a/", "frank").status_code == 201


def test_put_past_the_items_quota_is_refused_with_507_until_one_is_deleted(
        server: ServerProcess) -> None:
    book = f"{server.url}/frank/contacts/"
    client = session("frank")
    for n in range(3):
        assert put(client, f"{book}c{n}.vcf", vcard(f"c{n}")).status_code == 201
    answer = put(client, f"{book}c3.vcf", vcard("c3"))
    assert_refusal(answer, 507, "D:quota-not-exceeded", "already holds 3 items")
    assert client.get(f"{book}c3.vcf").status_code == 404
    assert put(client, f"{book}c0.vcf", vcard("c0", "NOTE:updated\r\n")).status_code == 204
    assert client.delete(f"{book}c2.vcf").status_code in (200, 204)
    assert put(client, f"{book}c3.vcf", vcard("c3")).status_code == 201


def test_a_whole_collection_put_with_more_items_than_the_quota_stores_nothing(
        server: ServerProcess) -> None:
    body = "".join(vcard(f"w{n}") for n in range(4))
    answer = put(session("frank"), f"{server.url}/frank/whole/", body)
    assert_refusal(answer, 507, "D:quota-not-exceeded", "max_items_per_collection")
    assert session("frank").request("PROPFIND", f"{server.url}/frank/whole/",
                                  headers={"Depth": "0"}).status_code == 404


def test_cli_import_obeys_the_items_quota(server: ServerProcess, tmp_path: Path) -> None:
    source = tmp_path / "five.vcf"
    source.write_text("".join(vcard(f"i{n}") for n in range(5)), encoding="utf-8")
    result = server.cli("import", str(source), "--into", "/erin/book-a/")
    assert "max_items_per_collection" in result.stdout + result.stderr
    assert len(hrefs(session("erin"), f"{server.url}/erin/book-a/")) == 3


def test_the_item_counter_behind_the_quota_agrees_with_the_items_after_refusals(
        server: ServerProcess) -> None:
    result = server.cli("check")
    assert result.returncode == 0, result.stdout + result.stderr

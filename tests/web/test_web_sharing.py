"""Sharing in the web app over HTTP: alice's collections, who one is shared with, granting
and revoking with the rules of ``cms-dav share`` and the sharing API (a revocation takes
access away at once), refused without the CSRF token, and refused (403) to bob, a
read-only sharee, who sees no controls and may not grant himself more than he holds.

The books granted and revoked here are this module's own (the package server is shared)."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
import requests

from tests.api.test_api_app_passwords import token_of
from tests.support.server import ServerProcess
from tests.web.conftest import XSS
from tests.web.support import csrf_of, new_book, sign_in, untranslated

BOOKS = ("team-grant", "team-revoke", "team-csrf")


@pytest.fixture(scope="module")
def books(web_server: ServerProcess) -> ServerProcess:
    for book in BOOKS:
        new_book(web_server, book, book, [{"uid": f"{book}-1", "name": {"formatted": "Ewa Lis"}}])
    new_book(web_server, "team-markup", escape(XSS))
    return web_server


def _form(session: requests.Session, server: ServerProcess, book: str) -> str:
    page = session.get(f"{server.url}/app/sharing/alice/{book}")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def _bob_reads(bob: requests.Session, server: ServerProcess, book: str) -> int:
    return bob.get(f"{server.url}/app/contacts/alice/{book}/{book}-1.vcf").status_code


def test_the_sharing_page_lists_alices_collections(
        books: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(f"{books.url}/app/sharing")
    assert page.status_code == 200
    assert 'href="/app/sharing/alice/team-grant"' in page.text


def test_a_shared_book_shows_the_sharee_and_the_access(
        books: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(f"{books.url}/app/sharing/alice/shared").text
    row = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "bob" in row and "read" in row and 'value="user:bob"' in row


def test_granting_write_lets_bob_open_the_book(
        books: ServerProcess, alice_web: requests.Session, bob_web: requests.Session) -> None:
    assert _bob_reads(bob_web, books, "team-grant") == 404
    granted = alice_web.post(f"{books.url}/app/sharing/alice/team-grant/grant",
                             data={"csrf": _form(alice_web, books, "team-grant"),
                                   "kind": "user", "name": "bob", "access": "write"})
    assert granted.status_code == 200, granted.text
    assert "write" in granted.text.split("<tbody>")[1]
    assert _bob_reads(bob_web, books, "team-grant") == 200


def test_revoking_takes_the_access_away_at_once(
        books: ServerProcess, alice_web: requests.Session, bob_web: requests.Session) -> None:
    csrf = _form(alice_web, books, "team-revoke")
    alice_web.post(f"{books.url}/app/sharing/alice/team-revoke/grant",
                   data={"csrf": csrf, "kind": "user", "name": "bob", "access": "read"})
    assert _bob_reads(bob_web, books, "team-revoke") == 200
    revoked = alice_web.post(f"{books.url}/app/sharing/alice/team-revoke/revoke",
                             data={"csrf": csrf, "to": "user:bob"})
    assert revoked.status_code == 200, revoked.text
    assert _bob_reads(bob_web, books, "team-revoke") == 404


def test_a_grant_without_the_csrf_token_is_refused(
        books: ServerProcess, alice_web: requests.Session, bob_web: requests.Session) -> None:
    answer = alice_web.post(f"{books.url}/app/sharing/alice/team-csrf/grant",
                            data={"kind": "user", "name": "bob", "access": "read"},
                            allow_redirects=False)
    assert answer.status_code == 403
    assert _bob_reads(bob_web, books, "team-csrf") == 404


def test_a_grant_to_a_group_that_does_not_exist_is_refused_naming_it(
        books: ServerProcess, alice_web: requests.Session) -> None:
    answer = alice_web.post(f"{books.url}/app/sharing/alice/team-csrf/grant",
                            data={"csrf": _form(alice_web, books, "team-csrf"),
                                  "kind": "group", "name": "nosuchgroup", "access": "read"})
    assert answer.status_code == 422
    assert "nosuchgroup" in answer.text


def test_a_read_only_sharee_sees_no_sharing_controls(
        books: ServerProcess, bob_web: requests.Session) -> None:
    page = bob_web.get(f"{books.url}/app/sharing/alice/shared")
    assert page.status_code == 403
    assert "/grant" not in page.text and "/revoke" not in page.text


def test_a_read_only_sharee_may_not_grant_more_than_he_holds(
        books: ServerProcess, alice_web: requests.Session, bob_web: requests.Session) -> None:
    csrf = csrf_of(bob_web.get(f"{books.url}/app/sharing").text)
    forged = bob_web.post(f"{books.url}/app/sharing/alice/shared/grant",
                          data={"csrf": csrf, "kind": "user", "name": "bob",
                                "access": "write"}, allow_redirects=False)
    assert forged.status_code == 403
    row = alice_web.get(f"{books.url}/app/sharing/alice/shared").text.split("<tbody>")[1]
    assert "write" not in row.split("</tbody>")[0]


def test_a_read_only_sharee_may_not_revoke_a_share(
        books: ServerProcess, bob_web: requests.Session) -> None:
    csrf = csrf_of(bob_web.get(f"{books.url}/app/sharing").text)
    forged = bob_web.post(f"{books.url}/app/sharing/alice/shared/revoke",
                          data={"csrf": csrf, "to": "user:bob"}, allow_redirects=False)
    assert forged.status_code == 403
    assert bob_web.get(f"{books.url}/app/contacts/alice/shared/shared-1.vcf").status_code == 200


def test_a_book_bob_may_not_read_is_not_found(
        books: ServerProcess, bob_web: requests.Session) -> None:
    assert bob_web.get(f"{books.url}/app/sharing/alice/team-csrf").status_code == 404


def test_a_collection_named_with_markup_is_escaped(
        books: ServerProcess, alice_web: requests.Session) -> None:
    page = alice_web.get(f"{books.url}/app/sharing").text
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_every_label_of_these_pages_is_in_the_polish_and_chinese_catalogues() -> None:
    assert untranslated("sharing.html", "share.html", "base.html") == {}


def test_a_sign_in_with_a_write_scoped_app_password_may_not_change_shares(
        books: ServerProcess, bob_web: requests.Session) -> None:
    scoped = sign_in(books, "alice", token_of(books, "write", "web-sharing-write"))
    page = scoped.get(f"{books.url}/app/sharing/alice/team-csrf")
    assert page.status_code == 200 and "/grant" not in page.text
    refused = scoped.post(f"{books.url}/app/sharing/alice/team-csrf/grant",
                          data={"csrf": csrf_of(page.text), "kind": "user", "name": "bob",
                                "access": "read"}, allow_redirects=False)
    assert refused.status_code == 403
    assert _bob_reads(bob_web, books, "team-csrf") == 404

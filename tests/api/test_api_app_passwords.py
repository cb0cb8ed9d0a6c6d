"""App passwords on the JSON API (issue 15 item 2): the same token and scope rules as
on DAV, enforced by :mod:`cms_dav.acl.scope` for both doors."""

from __future__ import annotations

import uuid

import requests

from tests.api.support import API, book_url, in_process
from tests.support.server import ServerProcess


def token_of(server: ServerProcess, scope: str, name: str = "") -> str:
    """A fresh app password of alice's with ``scope`` (as ``cms-dav token add`` makes)."""
    with in_process(server) as app:
        assert app.authenticator.app_passwords is not None
        return app.authenticator.app_passwords.create(
            "tests", "alice", name or f"api-{scope}-{uuid.uuid4().hex[:8]}", scope=scope)


def session(token: str) -> requests.Session:
    made = requests.Session()
    made.auth = ("alice", token)
    return made


def new_contact() -> dict[str, object]:
    return {"name": {"formatted": f"Token Test {uuid.uuid4().hex[:6]}"}}


def test_a_write_scoped_app_password_creates_a_contact_through_the_api(
        api_server: ServerProcess) -> None:
    created = session(token_of(api_server, "write")).post(book_url(api_server),
                                                          json=new_contact())
    assert created.status_code == 201, created.text


def test_a_read_scoped_app_password_reads_but_gets_403_on_api_writes(
        api_server: ServerProcess) -> None:
    reader = session(token_of(api_server, "read"))
    assert reader.get(book_url(api_server)).status_code == 200
    refused = reader.post(book_url(api_server), json=new_contact())
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def test_a_write_scoped_app_password_may_not_grant_a_share_through_the_api(
        api_server: ServerProcess) -> None:
    writer = session(token_of(api_server, "write"))
    refused = writer.post(f"{api_server.url}{API}/shares/alice/contacts",
                          json={"to": "user:bob", "access": "read"})
    assert refused.status_code == 403, refused.text


def test_a_revoked_app_password_gets_401_on_the_api_at_once(
        api_server: ServerProcess) -> None:
    name = f"revoked-{uuid.uuid4().hex[:8]}"
    caller = session(token_of(api_server, "write", name))
    assert caller.get(book_url(api_server)).status_code == 200
    with in_process(api_server) as app:
        assert app.authenticator.app_passwords is not None
        app.authenticator.app_passwords.revoke("tests", "alice", name)
    assert caller.get(book_url(api_server)).status_code == 401

"""App passwords against the real server (issue 15 item 2): they log in to DAV as their
user, their scope is enforced, revocation and expiry apply on the next request, failed
guesses are throttled, and no log line holds a password or a token.

One server serves the whole module; tokens are made in this process on the server's
database (as ``cms-dav token add`` does), and each throttle test talks from its own
loopback address with its own user, so one test's failures cannot lock out another's.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Iterator

import pytest
from sqlalchemy import update

from cms_dav.app import App, build_app
from cms_dav.auth.app_passwords import AppPasswords
from cms_dav.config import load_settings
from cms_dav.store.schema import app_passwords as table
from tests.support.dav import MKADDRESSBOOK, vcard
from tests.support.server import ServerProcess, configured_server
from tests.support.sourced import Answer, send

THRESHOLD = 3
# no login cache: a locked-out user's password is refused even after it was used
CONFIG = (f"[auth]\nlockout_threshold = {THRESHOLD}\nlockout_seconds = 600\n"
          "login_cache_seconds = 0\n"
          "first_delay_seconds = 0.05\nmax_delay_seconds = 0.2\n"
          "[logging]\nlevel = debug\n")
USERS = ("alice", "bob", "carol", "dave")
VCARD_TYPE = {"Content-Type": "text/vcard; charset=utf-8"}
PROPPATCH = ('<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:">'
             "<d:set><d:prop><d:displayname>Renamed</d:displayname></d:prop></d:set>"
             "</d:propertyupdate>")


def password(user: str) -> str:
    return f"{user}-Plain-Secret-4711"


def wrong(token: str) -> str:
    """``token`` with its last character changed."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def call(server: ServerProcess, method: str, path: str, user: str, secret: str, *,
         body: str | bytes = b"", headers: dict[str, str] | None = None,
         source: str = "127.0.0.1") -> Answer:
    """One request (Depth 0) with Basic credentials, sent from loopback address ``source``."""
    data = body.encode() if isinstance(body, str) else body
    return send(server, method, path, source=source, user=user, password=secret,
                headers={"Depth": "0", **(headers or {})}, body=data or None)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with configured_server(tmp_path_factory.mktemp("app-passwords"), CONFIG,
                           {name: password(name) for name in USERS}) as process:
        for name in USERS:  # the first login makes the predefined address book
            assert call(process, "PROPFIND", f"/{name}/", name, password(name)).status == 207
        assert call(process, "PUT", "/alice/contacts/ann.vcf", "alice", password("alice"),
                    body=vcard("ann", "Ann Example"), headers=VCARD_TYPE).status == 201
        yield process


@pytest.fixture(scope="module")
def app(server: ServerProcess) -> Iterator[App]:
    """An App on the server's database: where ``cms-dav token`` makes its tokens."""
    built = build_app(load_settings(server.data_dir, server.config))
    yield built
    built.close()


@pytest.fixture(scope="module")
def tokens(app: App) -> AppPasswords:
    assert app.authenticator.app_passwords is not None
    return app.authenticator.app_passwords


def test_an_app_password_logs_in_to_dav_as_its_user(server: ServerProcess,
                                                     tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "propfind")
    assert call(server, "PROPFIND", "/alice/contacts/", "alice", token).status == 207


def test_a_write_scoped_app_password_puts_and_gets_a_card(server: ServerProcess,
                                                          tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "writer", "write")
    assert call(server, "PUT", "/alice/contacts/wes.vcf", "alice", token,
                body=vcard("wes", "Wes Writer"), headers=VCARD_TYPE).status == 201
    answer = call(server, "GET", "/alice/contacts/wes.vcf", "alice", token)
    assert answer.status == 200 and b"Wes Writer" in answer.body


def test_a_read_scoped_app_password_reads_a_card(server: ServerProcess,
                                                 tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "reader-get", "read")
    answer = call(server, "GET", "/alice/contacts/ann.vcf", "alice", token)
    assert answer.status == 200 and b"Ann Example" in answer.body


def test_a_read_scoped_app_password_gets_403_on_put_and_delete(
        server: ServerProcess, tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "reader-put", "read")
    put = call(server, "PUT", "/alice/contacts/ann.vcf", "alice", token,
               body=vcard("ann", "Ann Changed"), headers=VCARD_TYPE)
    delete = call(server, "DELETE", "/alice/contacts/ann.vcf", "alice", token)
    assert (put.status, delete.status) == (403, 403)
    still = call(server, "GET", "/alice/contacts/ann.vcf", "alice", password("alice"))
    assert b"Ann Example" in still.body


def test_a_read_scoped_app_password_gets_403_on_mkcol_and_proppatch(
        server: ServerProcess, tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "reader-mkcol", "read")
    mkcol = call(server, "MKCOL", "/alice/new-book/", "alice", token,
                 body=MKADDRESSBOOK.format(name="New"))
    proppatch = call(server, "PROPPATCH", "/alice/contacts/", "alice", token, body=PROPPATCH)
    assert (mkcol.status, proppatch.status) == (403, 403)


def share_create(server: ServerProcess, token: str, mount: str) -> Answer:
    body = json.dumps({"PathMapped": "/alice/contacts/", "PathOrToken": mount, "User": "bob",
                       "Permissions": "r", "Enabled": True, "Hidden": False})
    return call(server, "POST", "/.sharing/v1/map/create", "alice", token, body=body,
                headers={"Content-Type": "application/json"})


def test_a_read_scoped_app_password_may_not_create_a_share(server: ServerProcess,
                                                           tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "reader-share", "read")
    assert share_create(server, token, "/bob/from-reader/").status == 403


def test_a_write_scoped_app_password_may_not_create_a_share(server: ServerProcess,
                                                            tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "writer-share", "write")
    answer = share_create(server, token, "/bob/from-writer/")
    assert answer.status == 403 and b"scope" in answer.body


def test_an_admin_scoped_app_password_may_create_a_share(server: ServerProcess,
                                                         tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "admin-share", "admin")
    answer = share_create(server, token, "/bob/from-admin/")
    assert answer.status == 200, answer.body


def test_an_app_password_does_not_log_in_another_user(server: ServerProcess,
                                                      tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "not-bobs")
    assert call(server, "PROPFIND", "/bob/", "bob", token, source="127.0.0.31").status == 401


def test_a_revoked_app_password_is_refused_on_the_very_next_request(
        server: ServerProcess, tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "revoked")
    assert call(server, "PROPFIND", "/alice/", "alice", token).status == 207
    tokens.revoke("test", "alice", "revoked")
    assert call(server, "PROPFIND", "/alice/", "alice", token,
                source="127.0.0.32").status == 401


def test_an_expired_app_password_is_refused(server: ServerProcess, app: App,
                                            tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "expiring", expires_at=time.time() + 3600)
    assert call(server, "PROPFIND", "/alice/", "alice", token).status == 207
    with app.store.writing() as conn:  # its hour has passed
        conn.execute(update(table).where(table.c.name == "expiring")
                     .values(expires_at=time.time() - 1))
    assert call(server, "PROPFIND", "/alice/", "alice", token,
                source="127.0.0.33").status == 401


def test_a_use_records_the_last_used_time(server: ServerProcess,
                                          tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "used")
    before = time.time()
    assert call(server, "PROPFIND", "/alice/", "alice", token).status == 207
    used = next(info for info in tokens.of_user("alice") if info.name == "used")
    assert used.last_used is not None and used.last_used >= before - 1


def test_failed_app_password_guesses_count_in_the_throttle(server: ServerProcess,
                                                           tokens: AppPasswords) -> None:
    guess = "cmsdav_" + "0" * 12 + "_" + "A" * 32
    for _ in range(THRESHOLD + 1):
        assert call(server, "PROPFIND", "/carol/", "carol", guess,
                    source="127.0.0.41").status == 401
    # the last guess met the lockout the others caused
    assert "refused login of 'carol' from 127.0.0.41" in server.log()


def test_a_live_app_password_still_logs_in_while_guesses_lock_its_user_out(
        server: ServerProcess, tokens: AppPasswords) -> None:
    token = tokens.create("test", "dave", "phone")
    for _ in range(THRESHOLD):
        call(server, "PROPFIND", "/dave/", "dave", "a-guess", source="127.0.0.42")
    assert call(server, "PROPFIND", "/dave/", "dave", password("dave"),
                source="127.0.0.42").status == 401
    assert call(server, "PROPFIND", "/dave/", "dave", token,
                source="127.0.0.42").status == 207


def test_the_server_log_holds_neither_passwords_nor_app_passwords(
        server: ServerProcess, tokens: AppPasswords) -> None:
    token = tokens.create("test", "bob", "logged")
    assert call(server, "PROPFIND", "/bob/", "bob", token).status == 207
    assert call(server, "PROPFIND", "/bob/", "bob", password("bob")).status == 207
    call(server, "PROPFIND", "/bob/", "bob", wrong(token), source="127.0.0.51")
    call(server, "PROPFIND", "/bob/", token, token, source="127.0.0.52")  # token as name
    log = server.log()
    assert "failed login of 'cmsdav_***'" in log  # the token typed as a name, masked
    secret_part = token[len("cmsdav_") + 13:]
    for secret in (token, secret_part, password("bob"), wrong(token)):
        assert secret not in log
        assert base64.b64encode(f"bob:{secret}".encode()).decode() not in log


def share_with_bob(server: ServerProcess, book: str, mount: str) -> None:
    """alice makes address book ``book``, shares it read-write with bob at ``mount``,
    and bob accepts (with their passwords)."""
    assert call(server, "MKCOL", f"/alice/{book}/", "alice", password("alice"),
                body=MKADDRESSBOOK.format(name=book)).status == 201
    body = json.dumps({"PathMapped": f"/alice/{book}/", "PathOrToken": mount, "User": "bob",
                       "Permissions": "rw", "Enabled": True, "Hidden": False})
    json_type = {"Content-Type": "application/json"}
    assert call(server, "POST", "/.sharing/v1/map/create", "alice", password("alice"),
                body=body, headers=json_type).status == 200
    for toggle in ("enable", "unhide"):
        assert call(server, "POST", f"/.sharing/v1/map/{toggle}", "bob", password("bob"),
                    body=json.dumps({"PathOrToken": mount}), headers=json_type).status == 200


def test_a_read_scoped_app_password_of_a_sharee_cannot_write_through_a_share(
        server: ServerProcess, tokens: AppPasswords) -> None:
    mount = "/bob/alice-writable/"
    share_with_bob(server, "writable", mount)
    token = tokens.create("test", "bob", "bobs-reader", "read")
    card = vcard("through", "Through Share")
    assert call(server, "PUT", f"{mount}through.vcf", "bob", token, body=card,
                headers=VCARD_TYPE).status == 403
    assert call(server, "PUT", f"{mount}through.vcf", "bob", password("bob"), body=card,
                headers=VCARD_TYPE).status == 201


def test_a_read_scoped_app_password_cannot_remove_a_mounted_share(
        server: ServerProcess, tokens: AppPasswords) -> None:
    mount = "/bob/alice-kept/"
    share_with_bob(server, "kept", mount)
    token = tokens.create("test", "bob", "bobs-unmounter", "read")
    assert call(server, "DELETE", mount, "bob", token).status == 403
    assert call(server, "PROPFIND", mount, "bob", password("bob")).status == 207

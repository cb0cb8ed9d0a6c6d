"""Logins against the real server: challenge, wrong password, lockout, password change.

One server serves the whole module; each test talks from its own loopback address
(127.0.0.x) and with its own users, so one test's failures cannot lock out another's.
"""

from __future__ import annotations

import http.client
from typing import Iterator

import pytest

from cms_dav.wsgi.challenge import BODY
from tests.support.server import ServerProcess, configured_server
from tests.support.sourced import Answer, send

THRESHOLD = 3
CONFIG = (f"[auth]\nlockout_threshold = {THRESHOLD}\nlockout_seconds = 600\n"
          "first_delay_seconds = 0.05\nmax_delay_seconds = 0.2\n")
USERS = ("alice", "bob", "carol", "dave", "erin", "frank")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with configured_server(tmp_path_factory.mktemp("login-http"), CONFIG,
                           {name: f"{name}-pw" for name in USERS}) as process:
        yield process


def propfind(server: ServerProcess, path: str, auth: tuple[str, str] | None,
             source: str) -> Answer:
    """PROPFIND Depth 0 sent from the loopback address ``source``."""
    user, password = auth or ("", "")
    return send(server, "PROPFIND", path, source=source, user=user, password=password,
                headers={"Depth": "0"})


def test_request_without_credentials_gets_the_challenge_from_the_middleware(
        server: ServerProcess) -> None:
    response = propfind(server, "/alice/", None, "127.0.0.11")
    assert response.status == 401
    assert response.headers.get("www-authenticate", "").startswith("Basic realm=")
    assert response.body == BODY  # never reached Radicale's delay


def test_right_password_logs_in(server: ServerProcess) -> None:
    assert propfind(server, "/alice/", ("alice", "alice-pw"), "127.0.0.12").status == 207


def test_wrong_password_is_refused_with_a_challenge(server: ServerProcess) -> None:
    response = propfind(server, "/bob/", ("bob", "wrong"), "127.0.0.13")
    assert response.status == 401
    assert response.headers.get("www-authenticate")


def test_after_too_many_failures_even_the_right_password_is_refused(
        server: ServerProcess) -> None:
    for _ in range(THRESHOLD):
        propfind(server, "/carol/", ("carol", "wrong"), "127.0.0.14")
    assert propfind(server, "/carol/", ("carol", "carol-pw"), "127.0.0.14").status == 401
    assert "refused login of 'carol' from 127.0.0.14" in server.log()


def test_an_address_guessing_many_names_does_not_lock_out_another_user_there(
        server: ServerProcess) -> None:
    for name in ("nobody1", "nobody2", "nobody3", "nobody4"):
        propfind(server, "/dave/", (name, "guess"), "127.0.0.16")
    assert propfind(server, "/dave/", ("dave", "dave-pw"), "127.0.0.16").status == 207


def test_password_changed_by_the_cli_takes_effect_at_once(server: ServerProcess) -> None:
    assert propfind(server, "/erin/", ("erin", "erin-pw"), "127.0.0.18").status == 207
    server.cli("user", "passwd", "erin", "--password-stdin", input="new-pw\n", check=True)
    assert propfind(server, "/erin/", ("erin", "erin-pw"), "127.0.0.18").status == 401
    assert propfind(server, "/erin/", ("erin", "new-pw"), "127.0.0.18").status == 207


def test_well_known_redirect_needs_no_login(server: ServerProcess) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/.well-known/carddav")
    assert connection.getresponse().status == 301
    connection.close()

"""Behind a trusted reverse proxy that says the client used https, the session cookie
is ``Secure``; the same header from a peer that is not a trusted proxy changes nothing
(tests/web/test_web_http.py checks plain HTTP)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests

from cms_dav.auth.admin import add_user
from tests.api.support import in_process
from tests.support.server import ServerProcess
from tests.web.support import csrf_of


def _server(data_dir: Path, trusted: str) -> ServerProcess:
    config = data_dir / "cms-dav.conf"
    data_dir.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[server]\ntrusted_proxies = {trusted}\n")
    server = ServerProcess(data_dir=data_dir, config=config)
    with in_process(server) as app:
        add_user(app.authenticator.users, lambda: app.store, "tests", "carol", "carol-pw")
    return server.start()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = _server(tmp_path_factory.mktemp("proxied"), "127.0.0.1")
    yield server
    server.stop()


def _session_cookie(server: ServerProcess, headers: dict[str, str]) -> str:
    token = csrf_of(requests.get(f"{server.url}/app/signin", headers=headers).text)
    # the sign-in token's cookie is Secure too: sent by hand, as the browser would over TLS
    answer = requests.post(f"{server.url}/app/signin", allow_redirects=False,
                           headers={**headers, "Cookie": f"cms_dav_signin={token}"},
                           data={"csrf": token, "user": "carol", "password": "carol-pw"})
    assert answer.status_code == 303, answer.text
    return answer.headers["Set-Cookie"]


def test_the_cookie_is_secure_when_a_trusted_proxy_forwards_https(
        proxied: ServerProcess) -> None:
    cookie = _session_cookie(proxied, {"X-Forwarded-Proto": "https",
                                       "X-Forwarded-For": "203.0.113.9"})
    assert "; Secure" in cookie


def test_the_cookie_is_not_secure_when_the_proxy_forwards_http(
        proxied: ServerProcess) -> None:
    cookie = _session_cookie(proxied, {"X-Forwarded-Proto": "http",
                                       "X-Forwarded-For": "203.0.113.9"})
    assert "Secure" not in cookie

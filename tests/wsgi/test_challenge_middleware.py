"""ChallengeMiddleware: immediate 401 without credentials, anonymous paths pass through."""

from __future__ import annotations

from typing import Any

import pytest

from cms_dav.wsgi.challenge import ChallengeMiddleware


class App:
    """Wrapped app that records whether it was called."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"app"]


def call(middleware: ChallengeMiddleware, method: str, path: str,
         **headers: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, **headers}
    body = b"".join(middleware(environ, start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture
def app() -> App:
    return App()


@pytest.fixture
def middleware(app: App) -> ChallengeMiddleware:
    return ChallengeMiddleware(app, realm="cms_dav test")


@pytest.mark.parametrize(("method", "path"), [
    ("PROPFIND", "/"), ("PROPFIND", "/alice/"), ("GET", "/alice/contacts/x.vcf"),
    ("PUT", "/alice/contacts/x.vcf"), ("REPORT", "/alice/contacts/"), ("GET", "/.mobileconfig"),
    ("POST", "/.sharing/v1/map/list"), ("PROPFIND", "/.web/../alice/")])
def test_request_without_credentials_gets_the_challenge(
        middleware: ChallengeMiddleware, app: App, method: str, path: str) -> None:
    status, headers, _ = call(middleware, method, path)
    assert status.startswith("401")
    assert headers["WWW-Authenticate"] == 'Basic realm="cms_dav test"'
    assert app.calls == 0


def test_challenge_body_length_matches_content_length(middleware: ChallengeMiddleware) -> None:
    _, headers, body = call(middleware, "GET", "/alice/")
    assert int(headers["Content-Length"]) == len(body) > 0


def test_request_with_credentials_reaches_the_app(
        middleware: ChallengeMiddleware, app: App) -> None:
    status, _, body = call(middleware, "PROPFIND", "/alice/", HTTP_AUTHORIZATION="Basic YTpi")
    assert (status, body, app.calls) == ("200 OK", b"app", 1)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/.well-known/carddav"), ("PROPFIND", "/.well-known/caldav"),
    ("GET", "/.token/v1/abcdef/"), ("REPORT", "/.token/v1/abcdef/"),
    ("OPTIONS", "/alice/"), ("OPTIONS", "/"),
    ("GET", "/"), ("HEAD", "/"), ("GET", "/.web"), ("GET", "/.web/"),
    ("GET", "/.web/js/main.js"), ("GET", "/.web/css/main.css"), ("GET", "")])
def test_anonymous_paths_reach_the_app(
        middleware: ChallengeMiddleware, app: App, method: str, path: str) -> None:
    status, _, _ = call(middleware, method, path)
    assert status == "200 OK" and app.calls == 1


def test_head_challenge_has_no_body(middleware: ChallengeMiddleware) -> None:
    status, _, body = call(middleware, "HEAD", "/alice/")
    assert status.startswith("401") and body == b""


@pytest.mark.parametrize("realm", ['say "hi"', "line\nbreak", "back\\slash"])
def test_realm_that_would_break_the_header_is_refused(app: App, realm: str) -> None:
    with pytest.raises(ValueError, match="realm"):
        ChallengeMiddleware(app, realm=realm)

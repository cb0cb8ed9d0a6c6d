"""Answer a request without credentials with its 401 challenge at once.

Stock Radicale sleeps ``[auth] delay`` (0.5-1.5 s) before every 401, including the one
every client gets on its very first request, which slows each sync start and holds a
server thread. A request that carries no ``Authorization`` header cannot be guessing a
password, so it gets the challenge here, without reaching Radicale. Paths that work
without a login in Radicale pass through:

* ``OPTIONS`` on any path (CORS preflight and capability probes),
* ``/.well-known/...`` (Radicale redirects caldav/carddav to ``/``),
* ``/.token/...`` (token shares are read without a login),
* ``GET``/``HEAD`` of ``/`` (redirect to ``/.web``) and anything under ``/.web`` (the web
  UI's static files; it then logs in with Basic credentials on its own requests).

Only for Radicale's own HTTP Basic login: do not use it with ``remote_user`` style auth.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from radicale import pathutils

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

BODY = b"Access to this resource requires a login.\n"


def is_anonymous_request(method: str, path: str) -> bool:
    """True for the requests Radicale answers without a login."""
    if method == "OPTIONS":
        return True
    path = pathutils.sanitize_path(path)
    if "/.well-known/" in path or path.endswith("/.well-known") or path == "/.well-known":
        return True
    if path == "/.token" or path.startswith("/.token/"):
        return True
    if path == "/.web" or path.startswith("/.web/"):
        return True
    return path == "/" and method in ("GET", "HEAD")


class ChallengeMiddleware:
    def __init__(self, app: WSGIApp, realm: str = "cms_dav") -> None:
        if any(ord(char) < 32 or char in '"\\' for char in realm):
            raise ValueError(f"realm {realm!r} must not contain quotes, backslashes or "
                             "control characters")
        self.app = app
        self.challenge = f'Basic realm="{realm}"'

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if environ.get("HTTP_AUTHORIZATION") or is_anonymous_request(
                method, environ.get("PATH_INFO", "") or "/"):
            return self.app(environ, start_response)
        start_response("401 Unauthorized", [
            ("WWW-Authenticate", self.challenge),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(BODY))),
        ])
        return [] if method == "HEAD" else [BODY]

"""The JSON API in the WSGI stack: requests under ``/api/v1/`` go to the FastAPI app
(through a2wsgi), every other request to the DAV layers.

:meth:`cms_dav.app.App.wrap` puts this layer inside the request scope, request log,
metrics and health layers and outside the DAV-only ones (the login challenge, XML
guard, limits...). A body past ``max_body_bytes`` is refused here with 413 before
anything reads it; a failed login's throttle delay is deferred as on DAV
(:class:`cms_dav.wsgi.response_delay.ResponseDelayMiddleware`).

The mounted app is built on its first request (issue 19 target 7, server memory):
FastAPI, pydantic, Jinja2 and Babel with the API's and web app's modules are ~34 MB
of a server's ~120 MB at rest, which a server answering only CardDAV/CalDAV never
needs. ``cms-dav serve --workers N`` imports them before forking
(:meth:`cms_dav.app.App.preload_mounted_apps`), so its workers share them.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable, Iterable

from cms_dav.wsgi.response_delay import ResponseDelayMiddleware

if TYPE_CHECKING:
    from fastapi import FastAPI

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: cms_dav.api.factory.PREFIX (that module imports FastAPI; this one must not)
PREFIX = "/api/v1"


def is_api_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _refuse(start_response: Callable[..., Any], status: int, detail: str) -> list[bytes]:
    from cms_dav.api.problems import MEDIA_TYPE, Problem

    body = json.dumps(Problem(title=HTTPStatus(status).phrase, status=status,
                              detail=detail).model_dump(exclude_none=True)).encode()
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", MEDIA_TYPE), ("Content-Length", str(len(body)))])
    return [body]


class ApiMount:
    """``build`` makes the mounted app; it is called once, on the first request this
    layer claims."""

    def __init__(self, app: WSGIApp, build: Callable[[], FastAPI], max_body_bytes: int
                 ) -> None:
        self.app = app
        self.build = build
        self.asgi: WSGIApp | None = None
        self.api = ResponseDelayMiddleware(self._pep3333)
        self.max_body_bytes = max_body_bytes
        self._building = threading.Lock()

    def _mounted(self) -> WSGIApp:
        """The mounted app as WSGI, built by the first request that needs it."""
        asgi = self.asgi
        if asgi is None:
            with self._building:
                asgi = self.asgi
                if asgi is None:
                    from a2wsgi import ASGIMiddleware
                    middleware: Any = ASGIMiddleware(self.build())  # type: ignore[arg-type]  # TypedDict vs Mapping scope
                    asgi = self.asgi = middleware
        return asgi

    def _pep3333(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        """a2wsgi reads PATH_INFO as PEP 3333 says (the bytes as latin-1); cms_dav's
        server front decodes it as UTF-8 for Radicale. The API gets its own copy."""
        path = str(environ.get("PATH_INFO") or "")
        copy: Any = {**environ, "PATH_INFO": path.encode("utf-8").decode("latin-1")}
        return self._mounted()(copy, start_response)

    def claims(self, environ: dict[str, Any]) -> bool:
        """Whether this request is the mounted app's (the web app mounts its own paths)."""
        return is_api_path(str(environ.get("PATH_INFO") or ""))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if not self.claims(environ):
            return self.app(environ, start_response)
        length = str(environ.get("CONTENT_LENGTH") or "").strip()
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING") or "").lower()
        if chunked and not length:
            return _refuse(start_response, 411, "send the body with a Content-Length")
        if length and (not length.isdigit() or int(length) > self.max_body_bytes):
            return _refuse(start_response, 413, f"the body is larger than "
                                                f"{self.max_body_bytes} bytes")
        return self.api(environ, start_response)

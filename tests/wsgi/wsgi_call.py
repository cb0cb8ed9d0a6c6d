"""One request through a WSGI application in this process, as cms_dav's front would
hand it over (PATH_INFO percent-decoded, Basic credentials, the body read to its end)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import unquote

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Answer:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def code(self) -> int:
        return int(self.status.split(" ", 1)[0])

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()),
                    None)


def call(app: WSGIApp, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None,
         auth: tuple[str, str] | None = ("alice", "alice-pw")) -> Answer:
    """``path`` is the URL path as a client sends it (percent-encoded)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": unquote(path), "SCRIPT_NAME": "",
        "QUERY_STRING": "", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
        "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0), "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False}
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        environ["HTTP_AUTHORIZATION"] = f"Basic {token}"
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE",) else f"HTTP_{key}"] = value
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, response_headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [(status, list(response_headers))]
        return lambda _data: None

    result = app(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, response_headers = started[0]
    return Answer(status, tuple(response_headers), data)

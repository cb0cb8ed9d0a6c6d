"""Running the inner application to the end, for layers that decide after its answer
(principal search replaces it, calendar auto-creation may run the request again), and
the login probe: Radicale's ``PROPFIND`` Depth 0 with the request's login."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable, Iterable

WSGIApp = Callable[..., Iterable[bytes]]


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def send(self, start_response: Callable[..., Any]) -> list[bytes]:
        start_response(self.status, self.headers)
        return [self.body]


def buffered_body(environ: dict[str, Any]) -> bytes:
    """The request body (outer layers have bounded it), left readable again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def whole_answer(app: WSGIApp, environ: dict[str, Any]) -> Answer:
    """``app``'s complete answer to ``environ`` (its iterable closed)."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                ) -> Callable[[bytes], None]:
        captured.update(status=status, headers=headers)
        return lambda _data: None

    result = app(environ, capture)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Answer(captured["status"], list(captured["headers"]), body)


PROBE = (b'<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop>'
         b'<resourcetype/></prop></propfind>')


def probe(app: WSGIApp, environ: dict[str, Any], path: str
          ) -> tuple[str, list[tuple[str, str]]]:
    """Status and headers of Radicale's ``PROPFIND`` Depth 0 of ``path`` with the
    request's login (a 401 keeps Radicale's challenge). Radicale checks the login and,
    on a user's first request, creates (and cms_dav seeds) their home."""
    probe_environ = dict(environ)
    probe_environ.pop("HTTP_ACCEPT_ENCODING", None)
    probe_environ.update({"REQUEST_METHOD": "PROPFIND", "HTTP_DEPTH": "0",
                          "PATH_INFO": path, "wsgi.input": io.BytesIO(PROBE),
                          "CONTENT_LENGTH": str(len(PROBE)),
                          "CONTENT_TYPE": "application/xml; charset=utf-8"})
    answer = whole_answer(app, probe_environ)
    return answer.status, answer.headers

"""Refuse hostile or broken XML bodies before Radicale's parser sees them.

Radicale parses request bodies with the stdlib ElementTree, which expands internal
entities. Here every XML body is parsed once with defusedxml (no DTDs, no entities);
anything it refuses gets a 400 naming the problem, and the body is handed on intact.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Iterable

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

XML_METHODS = {"PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR"}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def plain_error(start_response: Callable[..., Any], status: str, message: str) -> list[bytes]:
    body = (message + "\n").encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body)))])
    return [body]


class XmlGuardMiddleware:
    def __init__(self, app: WSGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "").upper() not in XML_METHODS:
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return plain_error(start_response, "400 Bad Request", "invalid Content-Length")
        if length > self.max_body_bytes:
            return plain_error(start_response, "413 Request Entity Too Large",
                               f"request body of {length} bytes exceeds the limit of "
                               f"{self.max_body_bytes} bytes")
        if length <= 0:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        try:
            fromstring(body, forbid_dtd=True, forbid_entities=True,
                       forbid_external=True)
        except DefusedXmlException as exc:
            return plain_error(start_response, "400 Bad Request",
                               f"XML body refused: {type(exc).__name__} (DTDs and entities "
                               f"are not accepted)")
        except (ParseError, ValueError) as exc:
            return plain_error(start_response, "400 Bad Request", f"malformed XML body: {exc}")
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

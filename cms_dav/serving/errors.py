"""Refusals: an HTTP error that names its problem, and its bytes on the wire.

Every refusal of the front is answered with a short ``text/plain`` body saying what was
wrong (never a bare reason phrase) and closes the connection (RFC 9112 §9.6): the
request may not have been read to its end, so the stream cannot be trusted further.
A request to the JSON API (:data:`PROBLEM_PATHS`) gets the same words as an RFC 9457
``application/problem+json`` body, as every other error of the API.
"""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from functools import lru_cache
from http import HTTPStatus
from urllib.parse import urlsplit

#: request paths answered with problem+json: the JSON API's prefix
#: (``cms_dav.api.factory.PREFIX``; a test checks they agree)
PROBLEM_PATHS = ("/api/v1",)


class HttpError(Exception):
    """A request refused by the front before (or instead of) reaching the application."""

    def __init__(self, status: int, message: str,
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@lru_cache(maxsize=1)
def _imf_fixdate(second: int) -> str:
    return formatdate(second, usegmt=True)


def http_date() -> str:
    """An IMF-fixdate for the Date header (RFC 9110 §6.6.1); formatted once a second
    (every answer carries one): a pure function of the second, memoised."""
    return _imf_fixdate(int(time.time()))


def wants_problem(target: str) -> bool:
    """Whether the request target (origin or absolute form) is the JSON API's."""
    path = urlsplit(target).path
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PROBLEM_PATHS)


def refusal_bytes(error: HttpError, with_body: bool = True, problem: bool = False) -> bytes:
    """The whole response for ``error``: status line, headers, body (text, or
    problem+json when ``problem``); always closes."""
    if problem:
        body = json.dumps({"type": "about:blank", "title": reason(error.status),
                           "status": error.status, "detail": error.message}).encode()
        media_type = "application/problem+json"
    else:
        body = (error.message + "\n").encode("utf-8")
        media_type = "text/plain; charset=utf-8"
    lines = [f"HTTP/1.1 {error.status} {reason(error.status)}",
             f"Content-Type: {media_type}",
             f"Content-Length: {len(body)}",
             f"Date: {http_date()}",
             "Connection: close",
             *(f"{name}: {value}" for name, value in error.headers)]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body if with_body else head

"""Refusals: an HTTP error that names its problem, and its bytes on the wire.

Every refusal of the front is answered with a short ``text/plain`` body saying what was
wrong (never a bare reason phrase) and closes the connection (RFC 9112 §9.6): the
request may not have been read to its end, so the stream cannot be trusted further.
"""

from __future__ import annotations

from email.utils import formatdate
from http import HTTPStatus


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


def http_date() -> str:
    """An IMF-fixdate for the Date header (RFC 9110 §6.6.1)."""
    return formatdate(usegmt=True)


def refusal_bytes(error: HttpError, with_body: bool = True) -> bytes:
    """The whole response for ``error``: status line, headers, text body; always closes."""
    body = (error.message + "\n").encode("utf-8")
    lines = [f"HTTP/1.1 {error.status} {reason(error.status)}",
             "Content-Type: text/plain; charset=utf-8",
             f"Content-Length: {len(body)}",
             f"Date: {http_date()}",
             "Connection: close",
             *(f"{name}: {value}" for name, value in error.headers)]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body if with_body else head

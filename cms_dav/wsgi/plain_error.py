"""The one shape of a refusal a cms_dav layer writes itself: a short ``text/plain`` body
that names the problem (never a bare reason phrase), with its length.

Used by every layer that answers before or instead of Radicale (XML guard, rejection
reasons, link gate), so they all answer alike.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

#: characters of a message kept in the body (reasons quoted from logs can be long)
MAX_MESSAGE = 2000
#: headers of the original answer that describe a body this one replaces
_BODY_HEADERS = ("content-type", "content-length", "content-encoding")


def plain_error(start_response: Callable[..., Any], status: str, message: str,
                headers: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    """Answer ``status`` with ``message`` as the body; ``headers`` (e.g. Radicale's own
    for the answer this one replaces) are kept except those describing the old body."""
    body = (message[:MAX_MESSAGE] + "\n").encode("utf-8")
    kept = [(name, value) for name, value in headers if name.lower() not in _BODY_HEADERS]
    start_response(status, kept + [("Content-Type", "text/plain; charset=utf-8"),
                                   ("Content-Length", str(len(body)))])
    return [body]

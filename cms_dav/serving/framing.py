"""How long the request body is, or why the request is refused (RFC 9112 §6).

h11 parses the head; this module turns its complaints into refusals that name the
header at fault, and adds the checks h11 leaves to the server: Content-Length together
with Transfer-Encoding (RFC 9112 §6.1: "a server MAY reject such a request"; it is the
request-smuggling pattern, so this server does) and the body size limit, which is
applied to the declared length before a single body byte is read.
"""

from __future__ import annotations

import h11

from cms_dav.serving.errors import HttpError

#: h11's messages (the start of them) and what the client is told instead
_H11_MESSAGES: tuple[tuple[str, int, str], ...] = (
    ("bad Content-Length", 400,
     "invalid Content-Length header: it must be one non-negative whole number of bytes"),
    ("conflicting Content-Length", 400,
     "invalid Content-Length header: repeated with different values"),
    ("Only Transfer-Encoding: chunked", 501,
     "unsupported Transfer-Encoding header: only 'chunked' is supported"),
    ("multiple Transfer-Encoding", 400,
     "invalid Transfer-Encoding header: repeated"),
    ("Missing mandatory Host", 400, "missing Host header (required in HTTP/1.1)"),
    ("Found multiple Host", 400, "invalid Host header: repeated"),
    ("illegal header line", 400, "malformed request head: an illegal header line"),
    ("continuation line", 400, "malformed request head: folded header lines are obsolete"),
    ("illegal request line", 400, "malformed request line"),
    ("Illegal method", 400, "malformed request line: illegal characters in the method"),
    ("Illegal target", 400, "malformed request line: illegal characters in the target"),
    ("illegal chunk header", 400, "malformed chunked body: an illegal chunk-size line"),
    ("malformed chunk footer", 400, "malformed chunked body: a chunk not followed by CRLF"),
)


def refusal_for(error: h11.RemoteProtocolError, max_head_bytes: int,
                in_body: bool = False) -> HttpError:
    """The refusal for a request h11 could not parse (in its head, or in a chunked body)."""
    text = str(error)
    if error.error_status_hint == 431 and in_body:
        return HttpError(400, "malformed chunked body: a chunk-size line too long")
    if error.error_status_hint == 431:
        return HttpError(431, f"request head too large: the request line and headers "
                              f"must fit in {max_head_bytes} bytes")
    for start, status, message in _H11_MESSAGES:
        if text.startswith(start):
            return HttpError(status, message)
    return HttpError(error.error_status_hint if 400 <= error.error_status_hint < 600 else 400,
                     f"malformed request: {text}")


def declared_length(request: h11.Request, max_body_bytes: int) -> int | None:
    """The body length the head declares (0 when none), or None for a chunked body.

    Raises HttpError 400 for Content-Length with Transfer-Encoding and 413 for a
    declared length over ``max_body_bytes`` (RFC 9110 §15.5.14), before the body is read.
    """
    lengths = [value for name, value in request.headers if name == b"content-length"]
    chunked = any(name == b"transfer-encoding" for name, _ in request.headers)
    if chunked and lengths:
        raise HttpError(400, "invalid request: Content-Length and Transfer-Encoding headers "
                             "must not be combined (RFC 9112 §6.1)")
    if chunked:
        return None
    length = int(lengths[0]) if lengths else 0  # h11 checked: digits, one value
    if length > max_body_bytes:
        raise HttpError(413, too_large_message(length, max_body_bytes))
    return length


def too_large_message(length: int | None, max_body_bytes: int) -> str:
    if length is None:
        return (f"request body too large: the chunked body passed the limit of "
                f"{max_body_bytes} bytes")
    return f"request body too large: {length} bytes declared, the limit is {max_body_bytes}"

"""Every 4xx says why: Radicale's bare rejection bodies replaced by the reason.

Radicale answers most refusals with a fixed text ("Bad Request", "Access to the
requested resource forbidden.", ...) and writes the real reason to its log. This
layer, once per request:

1. refuses before Radicale what Radicale would turn into a 500 or a pinned CPU
   (unknown charset, XML bodies of the wrong shape, an upload line vobject's regex
   would backtrack on for minutes: :mod:`cms_dav.wsgi.request_shape`,
   :func:`cms_dav.io.object_check.unreadable_line`);
2. lets Radicale answer, and when the answer is a 4xx with a bare body, replaces the
   body with a short ``text/plain`` reason: a refused upload is explained line by line
   by :func:`cms_dav.io.object_check.check_object`, anything else by the reason
   Radicale logged for this request, or by a sentence naming the method and path.
   DAV ``error`` bodies (RFC 4918 §16) keep their precondition element and get a
   human-readable ``cms:message`` next to it. A 4xx that already explains itself
   (another layer's text, a precondition with a description) is left alone.

**The one place that reads Radicale's log** (documented here on purpose): the
middleware attaches :class:`_ReasonCapture` to the ``radicale`` logger. While a
request is being handled, the records Radicale logs at NOTICE or above *in that
request's thread* (Radicale's built-in server runs one thread per request) are kept
as candidate reasons; client errors logged at WARNING lose their traceback
(``exc_info``), and Radicale's ERROR for an invalid request path becomes a WARNING,
so tracebacks and ERRORs in the log are left to real bugs. Records of other threads
are never touched. The capture depends only on Radicale's public logger name, not
on its internals; if Radicale logs less (``[logging] level = error``), the layer
falls back to the method/path sentences. The texts of Radicale's records it matches
are kept, and checked at start-up, in :mod:`cms_dav.radicale_compat.logs`.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import threading
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

from cms_dav.io.object_check import check_object, unreadable_line
from cms_dav.radicale_compat import logs as radicale_logs
from cms_dav.wsgi.plain_error import plain_error
from cms_dav.wsgi import parsed_xml
from cms_dav.wsgi.request_shape import charset_problem, xml_shape_problem

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

XML_METHODS = {"PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR"}
CMS_NS = "http://cms-dav.org/ns/"
NOTICE = 25
MAX_REASON = 300

#: Radicale's fixed rejection texts (radicale/httputils.py) and bare reason phrases
BARE_BODIES = {
    "", "Bad Request", "Access to the requested resource forbidden.",
    "Action on the requested resource refused.",
    "The requested resource could not be found.", "Conflict in the request.",
    "The method is not allowed on the requested resource.", "Precondition failed.",
    "Connection timed out.", "Request body too large.",
    "Directory listings are not supported.", "Forbidden", "Not Found", "Conflict",
    "Method Not Allowed", "Precondition Failed", "Unauthorized", "Request Entity Too Large",
}
_PREFIX = re.compile(radicale_logs.BAD_REQUEST_PREFIX)
_TAG = re.compile(radicale_logs.ITEM_TYPE_IN_COLLECTION)
_VERB = {"GET": "read", "HEAD": "read", "PROPFIND": "list", "REPORT": "query",
         "PUT": "write to", "DELETE": "delete", "PROPPATCH": "change the properties of",
         "MKCOL": "create a collection at", "MKCALENDAR": "create a calendar at",
         "MOVE": "move", "COPY": "copy", "POST": "post to"}
_PRECONDITIONS = {
    "no-uid-conflict": "another resource in this collection already has this UID "
                       "(RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1)",
    "valid-sync-token": "the sync token is unknown or expired: sync again without a "
                        "token (RFC 6578 §3.2)",
    "max-resource-size": "the resource is larger than this server accepts",
    "supported-report": "this REPORT is not supported on this resource",
}


class _ReasonCapture(logging.Handler, logging.Filter):  # type: ignore[misc]  # Handler.name may be None
    """Keeps the reasons Radicale logs for the requests registered with :meth:`begin`."""

    def __init__(self) -> None:
        logging.Handler.__init__(self, level=NOTICE)
        logging.Filter.__init__(self)
        self._reasons: dict[int, list[str]] = {}
        self._lock = threading.Lock()

    def begin(self) -> None:
        with self._lock:
            self._reasons[threading.get_ident()] = []

    def end(self) -> list[str]:
        with self._lock:
            return self._reasons.pop(threading.get_ident(), [])

    def _active(self) -> bool:
        return threading.get_ident() in self._reasons

    def filter(self, record: logging.LogRecord) -> bool:
        """Logger filter: client errors of a registered request carry no traceback."""
        if self._active():
            if record.levelno == logging.ERROR and isinstance(record.msg, str) and \
                    record.msg.startswith(radicale_logs.INVALID_PATH):
                record.levelno, record.levelname = logging.WARNING, "WARNING"
            if record.levelno < logging.ERROR:
                record.exc_info = None
                record.exc_text = None
        return True

    def emit(self, record: logging.LogRecord) -> None:
        if not self._active() or not isinstance(record.msg, str):
            return
        if radicale_logs.RESPONSE_STATUS in record.msg or radicale_logs.FILE_CONTENT in record.msg:
            return
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return
        line = _PREFIX.sub("", message.splitlines()[0] if message else "").strip()
        if line:
            with self._lock:
                reasons = self._reasons.get(threading.get_ident())
                if reasons is not None and len(reasons) < 5:
                    reasons.append(line[:MAX_REASON])


def _shown_path(environ: dict[str, Any]) -> str:
    path = unquote(environ.get("PATH_INFO", "") or "/")
    return quote(path[:200], safe="/@:+,;=~-._!$&'()*")


def _text_of(body: bytes) -> str:
    """Decoded as Radicale's decode_request falls back (UTF-8, then ISO-8859-1)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("iso8859-1")


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The whole body when its Content-Length is known and within ``limit``; the
    input is replaced so the next layer reads the same bytes."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0 or length > limit:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class RejectionReasonMiddleware:
    """See the module docstring. ``max_body_bytes`` bounds the bodies it reads."""

    def __init__(self, app: WSGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.capture = _ReasonCapture()
        radicale_logger = logging.getLogger("radicale")
        radicale_logger.addHandler(self.capture)
        radicale_logger.addFilter(self.capture)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        problem = charset_problem(environ.get("CONTENT_TYPE", "") or "")
        body: bytes | None = None
        if problem is None and method in XML_METHODS | {"PUT"}:
            body = _read_body(environ, self.max_body_bytes)
            if body is not None and method == "PUT":
                found = unreadable_line(_text_of(body))
                problem = f"PUT {_shown_path(environ)} refused: {found}" if found else None
            elif body is not None:
                problem = xml_shape_problem(method, body, parsed_xml.recall(
                    environ, body, environ.get("CONTENT_TYPE", "") or ""))
        if problem is not None:
            return plain_error(start_response, "400 Bad Request", problem)
        self.capture.begin()
        try:
            captured: dict[str, Any] = {}

            def capture_start(status: str, headers: list[tuple[str, str]],
                              exc_info: Any = None) -> Callable[[bytes], None]:
                captured.update(status=status, headers=headers)
                return lambda _data: None

            result = self.app(environ, capture_start)
            chunks: Iterator[bytes] = iter(result)
            first: list[bytes] = []
            if "status" not in captured:
                first = [next(chunks, b"")]
        finally:
            reasons = self.capture.end()
        status: str = captured["status"]
        if not status.startswith("4") or method == "HEAD":
            start_response(status, captured["headers"])
            return _chain(first, chunks, result)
        answer = b"".join(first) + b"".join(chunks)
        _close(result)
        return self._explained(environ, start_response, status, captured["headers"],
                               answer, reasons, body)

    def _explained(self, environ: dict[str, Any], start_response: Callable[..., Any],
                   status: str, headers: list[tuple[str, str]], answer: bytes,
                   reasons: list[str], body: bytes | None) -> list[bytes]:
        encoding = dict((k.lower(), v) for k, v in headers).get("content-encoding", "")
        text = _decoded(answer, encoding)
        content_type = dict((k.lower(), v) for k, v in headers).get("content-type", "")
        if text is not None and "xml" in content_type and "<" in text:
            enriched = _describe_dav_error(text, reasons)
            if enriched is None:
                start_response(status, headers)
                return [answer]
            kept = [(k, v) for k, v in headers
                    if k.lower() not in ("content-length", "content-encoding")]
            start_response(status, kept + [("Content-Length", str(len(enriched)))])
            return [enriched]
        if text is None or text.strip() not in BARE_BODIES:
            start_response(status, headers)
            return [answer]
        return plain_error(start_response, status,
                      _reason(environ, status, reasons, body), headers)


def _chain(first: list[bytes], rest: Iterator[bytes], result: Iterable[bytes]
           ) -> Iterable[bytes]:
    if not first:
        return result
    return _Chained(first, rest, result)


class _Chained:
    """The first chunk already pulled, then the rest; close() reaches the inner app."""

    def __init__(self, first: list[bytes], rest: Iterator[bytes], inner: Iterable[bytes]
                 ) -> None:
        self._first, self._rest, self._inner = first, rest, inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._first
        yield from self._rest

    def close(self) -> None:
        _close(self._inner)


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _decoded(answer: bytes, encoding: str) -> str | None:
    try:
        raw = gzip.decompress(answer) if encoding == "gzip" else answer
        return raw.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError):
        return None


def _describe_dav_error(text: str, reasons: list[str]) -> bytes | None:
    """A DAV:error body with a cms:message added, or None when it needs none."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    if root.tag != "{DAV:}error" or any((e.text or "").strip() for e in root.iter()):
        return None
    names = [child.tag.rpartition("}")[2] for child in root]
    known = [_PRECONDITIONS[name] for name in names if name in _PRECONDITIONS]
    message = "; ".join(known or [f"precondition {', '.join(names) or 'unknown'} failed"])
    if reasons and not known:
        message += f": {reasons[0]}"
    ET.SubElement(root, f"{{{CMS_NS}}}message").text = message
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding="utf-8"
                                                                     ).split(b"?>", 1)[-1].lstrip()


def _reason(environ: dict[str, Any], status: str, reasons: list[str],
            body: bytes | None) -> str:
    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = _shown_path(environ)
    code = status.split(" ", 1)[0]
    if method == "PUT" and code == "400" and body is not None:
        tag_match = next((m for m in map(_TAG.search, reasons) if m), None)
        problems = check_object(_text_of(body),
                                tag_match.group(1) if tag_match else "",
                                whole_collection=path.endswith("/"))
        lines = [str(problem) for problem in problems]
        if reasons and (not lines or tag_match):
            lines.insert(0, reasons[0])
        if lines:
            return f"PUT {path} refused: " + "\n".join(lines)
    if code == "401":
        return "a valid user name and password are required (HTTP Basic)"
    # 403/404 name neither the path nor what Radicale logged: the answer must not tell a
    # stranger whether (or why) something exists at a path they may not see
    if code == "403":
        return f"{method} refused: you may not {_VERB.get(method, method)} this resource " \
               "(your rights on it do not allow this)"
    if code == "404":
        return f"{method}: nothing at this path (or not visible to you)"
    if reasons:
        return f"{method} {path} refused: " + "; ".join(reasons[:2])
    if code == "405" and method in ("MKCOL", "MKCALENDAR"):
        return f"{method} {path} refused: something already exists there (RFC 4918 §9.3.1)"
    if code == "405":
        return f"{method} is not allowed on {path}"
    if code == "409" and method in ("PUT", "MKCOL", "MKCALENDAR"):
        parent = path.rstrip("/").rpartition("/")[0] + "/"
        return f"{method} {path} refused: the parent collection {parent} does not exist " \
               "(RFC 4918 §9.7.1)"
    if code == "412":
        return f"{method} {path}: If-Match/If-None-Match does not match the current ETag"
    if code == "413":
        return f"{method} {path}: the request body is too large"
    return f"{method} {path} refused ({status})"

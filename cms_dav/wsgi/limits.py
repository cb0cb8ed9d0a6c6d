"""The limits layer: item limits on PUT bodies before anything parses them, per-request
work limits for REPORT/GET, and the named answer for refusals raised inside Radicale.

- PUT of one item: a Content-Length above ``max_item_bytes`` is refused with 413 before
  the body is read; otherwise the raw body goes through ``check_item_text`` (403
  ``max-resource-size``, RFC 6352 §6.3.2.1 / RFC 4791 §5.3.2.1). PUT of a whole
  collection applies the same check to each object in it.
- REPORT and GET get a :class:`~cms_dav.limits.work.WorkLimits` (recurrence instances
  examined, query time budget), consulted by ``cms_dav.limits.recurrence``.
- When a layer inside Radicale refused the request (quota, item limit, max-instances,
  budget) Radicale has answered a bare 400/500; this layer answers the refusal instead:
  its status, precondition and description.
"""

from __future__ import annotations

import io
import time
from typing import Any, Callable, Iterable

from cms_dav import request_context
from cms_dav.config import Limits
from cms_dav.limits import recurrence, vobject_lines
from cms_dav.limits.errors import CALENDAR, CARD, LimitExceeded
from cms_dav.limits.item_text import check_item_text
from cms_dav.limits.work import WorkLimits
from cms_dav.wsgi.body_charset import decode_as_radicale

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: methods whose refusals may come from inside Radicale (quota, items, expansion)
_WATCHED = {"PUT", "REPORT", "MKCOL", "MKCALENDAR", "PROPPATCH", "MOVE", "GET"}


def _answer(start_response: Callable[..., Any], refusal: LimitExceeded) -> list[bytes]:
    status, headers, body = refusal.render()
    start_response(status, headers)
    return [body]


class LimitsMiddleware:
    def __init__(self, app: WSGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits
        recurrence.install()
        vobject_lines.install()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        context = request_context.of(environ)
        context.work = (
            WorkLimits(self.limits.max_instances_examined, self.limits.query_seconds,
                       time.monotonic()) if method in ("REPORT", "GET") else None)
        if method == "PUT":
            try:
                self._check_put(environ)
            except LimitExceeded as exc:
                return _answer(start_response, exc)
        if method not in _WATCHED:
            return self.app(environ, start_response)
        return self._answering_refusals(environ, start_response, context)

    def _check_put(self, environ: dict[str, Any]) -> None:
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if not raw_length.strip().isdigit():
            return  # no or malformed length: the HTTP front's business
        length = int(raw_length)
        whole = environ.get("PATH_INFO", "").endswith("/")
        kind = CARD if "vcard" in environ.get("CONTENT_TYPE", "").lower() else CALENDAR
        if not whole and length > self.limits.max_item_bytes:
            raise LimitExceeded(413, f"{kind.prefix}:max-resource-size",
                                f"the {kind.noun} is {length} bytes; the limit is "
                                f"{self.limits.max_item_bytes} bytes per object "
                                f"([limits] max_item_bytes)")
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        # one decode, as Radicale decodes it, serves the limit check and the stored text
        text = decode_as_radicale(body, environ.get("CONTENT_TYPE", "") or "")
        check_item_text(text, self.limits, "VADDRESSBOOK" if kind is CARD else "VCALENDAR",
                        whole_collection=whole)
        request_context.of(environ).upload_text = text

    def _answering_refusals(self, environ: dict[str, Any], start_response: Callable[..., Any],
                            context: request_context.RequestContext) -> Iterable[bytes]:
        held: list[tuple[str, list[tuple[str, str]], Any]] = []
        deferring = True

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if deferring:
                held.append((status, headers, exc_info))
                return lambda _data: None  # Radicale never uses write()
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        result = self.app(environ, start)
        deferring = False
        refusal = context.refusal
        if held and isinstance(refusal, LimitExceeded) and not held[-1][0].startswith("2"):
            close = getattr(result, "close", None)
            if close is not None:
                close()
            return _answer(start_response, refusal)
        if held:
            status, headers, exc_info = held[-1]
            if exc_info:
                start_response(status, headers, exc_info)
            else:
                start_response(status, headers)
        return result

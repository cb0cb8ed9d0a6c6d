"""One JSON line per request on the logger ``cms_dav.requests`` (issue 17, item 4).

Fields: ``time`` (UTC, ISO 8601, when the request started), ``request_id`` (the
client's ``X-Request-ID`` when it is a short token, else a new random one; sent back in
the answer's ``X-Request-ID``), ``user`` (the authenticated login, "" when none),
``address`` (the client as ``cms_dav.wsgi.client_address`` decides it), ``method``,
``path``, ``status``, ``duration`` (seconds, until the answer's body was closed) and
``bytes`` (response body). Never logged: headers (so no ``Authorization`` and no
password), query strings, bodies; a share token in the path is masked
(:mod:`cms_dav.log_mask`).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from cms_dav import request_context
from cms_dav.log_mask import mask
from cms_dav.wsgi.response_watch import Outcome, watch

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

LOGGER_NAME = "cms_dav.requests"
logger = logging.getLogger(LOGGER_NAME)

#: a request id taken from the client: short, and nothing a log reader could trip on
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: characters of a path kept in the log line
MAX_PATH = 512


def request_id(environ: dict[str, Any]) -> str:
    offered = str(environ.get("HTTP_X_REQUEST_ID") or "")
    return offered if CLIENT_REQUEST_ID.fullmatch(offered) else secrets.token_hex(8)


class RequestLogMiddleware:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if not logger.isEnabledFor(logging.INFO):
            return self.app(environ, start_response)
        started = time.time()
        rid = request_id(environ)
        context = request_context.of(environ)
        method = str(environ.get("REQUEST_METHOD") or "")[:16]
        path = mask(str(environ.get("PATH_INFO") or ""))[:MAX_PATH]

        def with_id(status: str, headers: list[tuple[str, str]],
                    exc_info: Any = None) -> Callable[[bytes], Any]:
            headers = [*headers, ("X-Request-ID", rid)]
            return start_response(status, headers, exc_info) if exc_info is not None \
                else start_response(status, headers)

        def done(outcome: Outcome) -> None:
            logger.info(json.dumps({
                "time": datetime.fromtimestamp(started, timezone.utc).isoformat(
                    timespec="milliseconds").replace("+00:00", "Z"),
                "request_id": rid, "user": context.user, "address": context.address,
                "method": method, "path": path, "status": outcome.status,
                "duration": round(outcome.duration, 6), "bytes": outcome.bytes_sent},
                ensure_ascii=False))

        return watch(self.app, environ, with_id, done)

"""Requests counted for Prometheus, and ``GET /.cms/metrics`` (issue 17, item 4).

Every request is counted by method, route kind and status, and timed (until its answer's
body is closed); a ``sync-collection`` REPORT answered 207 counts as a delta served
(RFC 6578 §3.2). The instruments live in the App's :class:`cms_dav.metrics.Metrics`.

``/.cms/metrics`` answers a client whose address (as ``cms_dav.wsgi.client_address``
decides it) is loopback or in ``[metrics] allow``, or any client sending
``Authorization: Bearer <[metrics] token>``; others get 403 naming what is missing.
A loopback peer that forwards a header without being a trusted proxy is a proxy nobody
configured: its requests come from anywhere, so they need the token or ``allow``.
"""

from __future__ import annotations

import hmac
from typing import Any, Callable, Iterable

from cms_dav import request_context
from cms_dav.metrics import Metrics
from cms_dav.wsgi.client_address import TrustedProxies, parse_ip
from cms_dav.wsgi.plain_error import plain_error
from cms_dav.wsgi.response_watch import Outcome, watch

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

METRICS_PATH = "/.cms/metrics"
#: methods counted under their own name; anything else is "OTHER" (bounded labels)
METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "POST", "OPTIONS", "PROPFIND",
                     "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR", "MOVE", "COPY", "LOCK",
                     "UNLOCK", "ACL"})
#: the text format prometheus_client writes
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def route_kind(path: str) -> str:
    """principal (``/alice/``), collection (``/alice/contacts/``), item
    (``/alice/contacts/x.vcf``), well-known, api (``/.cms/``, ``/.sharing/``), other."""
    if path.startswith("/.well-known/"):
        return "well-known"
    if path.startswith(("/.cms/", "/.sharing/", "/api/")):
        return "api"
    parts = [part for part in path.split("/") if part]
    if not parts or parts[0].startswith("."):
        return "other"
    return ("principal", "collection")[len(parts) - 1] if len(parts) <= 2 else "item"


class MetricsMiddleware:
    def __init__(self, app: WSGIApp, metrics: Metrics, token: str = "",
                 allow: Iterable[str] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.token = token
        self.allow = TrustedProxies(allow)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD") or "").upper()
        method = method if method in METHODS else "OTHER"
        path = str(environ.get("PATH_INFO") or "/")
        route = route_kind(path)
        context = request_context.of(environ)

        def done(outcome: Outcome) -> None:
            self.metrics.observe_request(method, route, outcome.status, outcome.duration,
                                         sync_collection=context.report == "sync-collection")

        if path in (METRICS_PATH, METRICS_PATH + "/"):
            return watch(self.expose, environ, start_response, done)
        return watch(self.app, environ, start_response, done)

    def expose(self, environ: dict[str, Any], start_response: Callable[..., Any]
               ) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD") or "").upper()
        if method not in ("GET", "HEAD"):
            return plain_error(start_response, "405 Method Not Allowed",
                               f"{method} is not allowed on {METRICS_PATH}: use GET",
                               (("Allow", "GET, HEAD"),))
        refusal = self.refusal(environ)
        if refusal:
            return plain_error(start_response, "403 Forbidden", refusal)
        body = self.metrics.exposition()
        start_response("200 OK", [("Content-Type", CONTENT_TYPE),
                                  ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [] if method == "HEAD" else [body]

    def refusal(self, environ: dict[str, Any]) -> str:
        """Why this client may not read the metrics ("" = it may)."""
        authorization = str(environ.get("HTTP_AUTHORIZATION") or "")
        scheme, _, credential = authorization.partition(" ")
        if self.token and scheme.lower() == "bearer" and hmac.compare_digest(
                credential.strip().encode(), self.token.encode()):
            return ""
        context = request_context.of(environ)
        ip = parse_ip(context.address)
        if ip is not None and ip.is_loopback and not context.untrusted_forwarding:
            return ""
        if self.allow.trusts(context.address):
            return ""
        if authorization and self.token:
            return f"{METRICS_PATH}: wrong bearer token"
        return (f"{METRICS_PATH} is open to loopback and [metrics] allow; from "
                f"{context.address or 'this address'} send Authorization: Bearer "
                f"<[metrics] token>" + ("" if self.token else " (no token is set)"))

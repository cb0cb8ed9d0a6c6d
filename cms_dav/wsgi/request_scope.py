"""The outermost WSGI layer: one :class:`~cms_dav.request_context.RequestContext` per
request, the only place one is made.

The context goes into ``environ[request_context.ENVIRON_KEY]`` for the WSGI layers and
is made current (``request_context.current()``) for the code Radicale calls without the
environ: while the application runs, and again around each step of a streamed response
body and its ``close()`` (PEP 3333: the server may pull the body after the application
returned, even on another thread). Between those steps nothing of the request runs, so
the thread is left exactly as it was found: a worker thread that serves the next request
cannot see this one's state.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from cms_dav.request_context import ENVIRON_KEY, RequestContext, current, made_current
from cms_dav.store.records import OriginOf, WriteOrigin

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RequestScopeMiddleware:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        context = RequestContext(address=str(environ.get("REMOTE_ADDR") or ""),
                                 method=str(environ.get("REQUEST_METHOD") or ""))
        environ[ENVIRON_KEY] = context
        with made_current(context):
            result = self.app(environ, start_response)
        if isinstance(result, (list, tuple)):
            return result  # no request code runs while a list is sent
        return ScopedBody(result, context)


def http_origins(outside: OriginOf) -> OriginOf:
    """The origin of a write (issue 13 item 3): while a request runs, door "http" with the
    request's REMOTE_ADDR and method (:meth:`RequestContext.origin`), else ``outside``
    (the process's own door, e.g. the CLI command). The composition root hands this to
    the store and the share database, which never read request state themselves."""
    def origin_of(user: str) -> WriteOrigin:
        context = current()
        return context.origin(user) if context is not None else outside(user)
    return origin_of


class ScopedBody:
    """A response body whose every step runs with its request's context current."""

    def __init__(self, body: Iterable[bytes], context: RequestContext) -> None:
        self._body = body
        self._chunks: Iterator[bytes] | None = None
        self.context = context

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        with made_current(self.context):
            if self._chunks is None:
                self._chunks = iter(self._body)
            return next(self._chunks)

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            with made_current(self.context):
                close()

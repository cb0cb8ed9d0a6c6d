"""RFC 6352 §6.3.2.3 / RFC 4791 §5.3.4: a server that stores something other than the
client's bytes must not return a strong ETag for them. When the store merged the upload
(e.g. kept interaction notes a client dropped), the PUT response goes out without ETag,
so the client re-fetches the card on its next sync.

The store's write says so in its result (``WriteResult.modified``); the storage plugin
puts that on the request context (``RequestContext.upload_modified``), read here.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from cms_dav import request_context


class UploadEtagMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "").upper() != "PUT":
            return self.app(environ, start_response)
        context = request_context.of(environ)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if context.upload_modified:
                headers = [(k, v) for k, v in headers if k.lower() != "etag"]
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        return self.app(environ, start)

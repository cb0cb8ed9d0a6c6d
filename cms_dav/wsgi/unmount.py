"""DELETE of a mounted collection by its sharee removes only the mount.

Radicale 3.9 refuses that DELETE outright (403). This WSGI layer lets Radicale answer
first: a 403 means the login was valid (bad credentials get 401), so when the path
is a mount in the caller's own home, the caller's mount is removed and the client
gets 204. The shared collection and everybody else's mounts stay.
"""

from __future__ import annotations

import base64
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from cms_dav import request_context
from cms_dav.acl.permissions import split
from cms_dav.acl.scope import FULL, WRITE, scope_allows
from cms_dav.acl.share_database import ShareDatabase


def basic_credentials(environ: dict[str, Any]) -> tuple[str, str]:
    """(login, password) of a Basic ``Authorization`` header, the login URL-decoded as
    Radicale does (``[auth] urldecode_username``); ("", "") without one."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return "", ""
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    login, _, password = decoded.partition(":")
    return unquote(login), password


def basic_login(environ: dict[str, Any]) -> str:
    return basic_credentials(environ)[0]


def _scope(environ: dict[str, Any]) -> str:
    """The login's scope (``cms_dav.acl.scope``); "full" when no request scope layer
    runs (this layer alone in a test)."""
    context = environ.get(request_context.ENVIRON_KEY)
    return context.scope if isinstance(context, request_context.RequestContext) else FULL


class UnmountMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]], shares: ShareDatabase) -> None:
        self.app = app
        self.shares = shares

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "").upper() != "DELETE":
            return self.app(environ, start_response)
        path = "/" + "/".join(split(unquote(environ.get("PATH_INFO", "")))) + "/"
        login = basic_login(environ)
        if len(split(path)) != 2 or split(path)[0] != login:
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return lambda _data: None

        body = b"".join(self.app(environ, capture))
        # a login that may not write (a read-only app password) keeps its mounts
        if captured["status"].startswith("403") and \
                scope_allows(_scope(environ), WRITE) and \
                self.shares.unmount(login, path):
            start_response("204 No Content", [("Content-Length", "0")])
            return [b""]
        start_response(captured["status"], captured["headers"])
        return [body]

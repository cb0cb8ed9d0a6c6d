"""Token links that do not work answer 404, not 403: an expired, revoked or disabled
link, or any link while ``[sharing] public_links = false``, is simply not there.

Radicale falls back to treating an unresolved ``/.token/...`` path as an ordinary,
unauthenticated path (403), which tells a prober the link once existed. This layer
answers first, before Radicale resolves (and logs) the token.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from sqlalchemy import Engine

from cms_dav.acl import share_table
from cms_dav.config import Settings
from cms_dav.store.engine import read_tx
from cms_dav.wsgi.xml_guard import plain_error

LINK = re.compile(r"^(/\.token/v1/[A-Za-z0-9_\-]{44}/)")
GONE = "No such link: it may have expired or been revoked."


class LinkGateMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]], settings: Settings,
                 engine: Engine) -> None:
        self.app = app
        self.settings = settings
        self.engine = engine

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        path = unquote(environ.get("PATH_INFO", ""))
        if not path.startswith("/.token"):
            return self.app(environ, start_response)
        match = LINK.match(path if path.endswith("/") or path.count("/") > 3 else path + "/")
        if match and self.settings.sharing_public_links:
            with read_tx(self.engine) as conn:
                if share_table.link_alive(conn, match[1]):
                    return self.app(environ, start_response)
        return plain_error(start_response, "404 Not Found", GONE)

"""The web app in the WSGI stack, next to the JSON API and with the same body bounds
(:class:`cms_dav.api.mount.ApiMount`): only GET of ``/`` exactly and GET/POST of
``/app/...`` go to it. Everything else, e.g. PROPFIND ``/``, ``/.well-known/``,
``/alice/`` and Radicale's own UI at ``/.web/``, stays with the DAV layers."""

from __future__ import annotations

from typing import Any

from cms_dav.api.mount import ApiMount

PREFIX = "/app"
METHODS = ("GET", "POST")


def is_web_request(environ: dict[str, Any]) -> bool:
    path = str(environ.get("PATH_INFO") or "")
    method = str(environ.get("REQUEST_METHOD") or "")
    if path == "/":
        return method == "GET"
    return method in METHODS and (path == PREFIX or path.startswith(PREFIX + "/"))


class WebMount(ApiMount):
    def claims(self, environ: dict[str, Any]) -> bool:
        return is_web_request(environ)

"""The PEP 3333 environ for one complete request."""

from __future__ import annotations

import sys
from typing import IO, Any
from urllib.parse import unquote, urlsplit

import h11

#: headers that describe the connection or the framing the front has already undone
_NOT_PASSED = {b"content-length", b"content-type", b"transfer-encoding", b"connection",
               b"keep-alive", b"te", b"upgrade", b"proxy-connection"}


#: set by this front: the app may ask it to hold the answer back (see RESPONSE_DELAY_KEY)
DEFERS_RESPONSE_KEY = "cms_dav.defers_response"
#: seconds the front waits, in its event loop, before it writes the answer's head
RESPONSE_DELAY_KEY = "cms_dav.response_delay"


def build_environ(request: h11.Request, body: IO[bytes], body_size: int, *,
                  server_name: str, server_port: int, remote: tuple[str, int],
                  https: bool) -> dict[str, Any]:
    """The environ Radicale expects from its own server: PATH_INFO percent-decoded as
    UTF-8 (as ``radicale.server.RequestHandler.get_environ`` does), CONTENT_LENGTH the
    length of the (de-chunked) body.

    Header names with an underscore are dropped: ``X_Remote_User`` and ``X-Remote-User``
    would both become ``HTTP_X_REMOTE_USER`` and one could pose as the other.
    """
    target = request.target.decode("ascii")
    if not target.startswith("/") and "://" in target:  # absolute-form (RFC 9112 §3.2.2)
        parts = urlsplit(target)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    path, _, query = target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method.decode("ascii"),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(path),
        "QUERY_STRING": query,
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": "HTTP/" + request.http_version.decode("ascii"),
        "REMOTE_ADDR": remote[0],
        "REMOTE_PORT": str(remote[1]),
        "CONTENT_LENGTH": str(body_size),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if https else "http",
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        DEFERS_RESPONSE_KEY: True,
    }
    if https:
        environ["HTTPS"] = "on"
    for name, value in request.headers:
        if name == b"content-type":
            environ["CONTENT_TYPE"] = value.decode("latin-1")
            continue
        if name in _NOT_PASSED or b"_" in name:
            continue
        key = "HTTP_" + name.decode("ascii").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key in environ:
            separator = "; " if key == "HTTP_COOKIE" else ", "
            environ[key] = environ[key] + separator + text
        else:
            environ[key] = text
    return environ

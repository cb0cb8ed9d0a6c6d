"""Refuse hostile or broken XML bodies before Radicale's parser sees them.

Radicale parses request bodies with the stdlib ElementTree, which expands internal
entities. Here every XML body is checked once by expat itself, with handlers that
refuse any DTD, entity declaration or external reference (what defusedxml refuses)
and no tree built: defusedxml's pure-Python tree builder cost more than the whole
rest of a 10k-href multiget. Anything refused gets a 400 naming the problem, and the
body is handed on intact. Because no body with a DTD gets past this layer, the
layers inside it may parse with the stdlib's C parser.

The same pass enforces ``[limits]`` (``cms_dav.limits.xml_limits``): nesting depth,
element count, properties per PROPFIND, property values of PROPPATCH / extended MKCOL /
MKCALENDAR, and the dates a time-range or expand may name.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Iterable, NoReturn
from xml.parsers import expat

from cms_dav.config import Limits
from cms_dav.limits.errors import LimitExceeded
from cms_dav.limits.xml_limits import XmlLimitsWatcher
from cms_dav.request_context import ENVIRON_KEY, RequestContext
from cms_dav.wsgi.plain_error import plain_error

XML_METHODS = {"PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR"}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class XmlRefused(ValueError):
    """A construct this server never accepts in a request body."""


def _refuse(what: str) -> Callable[..., NoReturn]:
    def handler(*_args: object) -> NoReturn:
        raise XmlRefused(what)
    return handler


def check_xml(body: bytes, method: str = "", limits: Limits | None = None) -> None:
    """Raise XmlRefused for DTDs, entities and external references, LimitExceeded past
    ``limits``, ValueError for malformed XML; build nothing."""
    parser = expat.ParserCreate(namespace_separator=" ")
    XmlLimitsWatcher(method, limits or Limits()).attach(parser)
    parser.StartDoctypeDeclHandler = _refuse("DTDForbidden")
    parser.EntityDeclHandler = _refuse("EntitiesForbidden")
    parser.UnparsedEntityDeclHandler = _refuse("EntitiesForbidden")
    parser.ExternalEntityRefHandler = _refuse("ExternalReferenceForbidden")
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise ValueError(str(exc)) from None


class XmlGuardMiddleware:
    def __init__(self, app: WSGIApp, max_body_bytes: int,
                 limits: Limits | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limits = limits or Limits()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        if method not in XML_METHODS:
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return plain_error(start_response, "400 Bad Request", "invalid Content-Length")
        if length > self.max_body_bytes:
            return plain_error(start_response, "413 Request Entity Too Large",
                               f"request body of {length} bytes exceeds the limit of "
                               f"{self.max_body_bytes} bytes")
        if length <= 0:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        try:
            check_xml(body, method, self.limits)
        except LimitExceeded as exc:
            status, headers, answer = exc.render()
            start_response(status, headers)
            return [answer]
        except XmlRefused as exc:
            return plain_error(start_response, "400 Bad Request",
                               f"XML body refused: {exc} (DTDs and entities "
                               f"are not accepted)")
        except ValueError as exc:
            return plain_error(start_response, "400 Bad Request", f"malformed XML body: {exc}")
        environ["wsgi.input"] = io.BytesIO(body)
        context = environ.get(ENVIRON_KEY)
        if method == "REPORT" and isinstance(context, RequestContext):
            context.report = root_name(body)
        return self.app(environ, start_response)


class _Found(Exception):
    pass


def root_name(body: bytes) -> str:
    """The local name of the root element of a (checked) XML body, e.g.
    ``sync-collection`` (RFC 6578 §3.2); "" when there is none."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(name: str, _attributes: object) -> None:
        raise _Found(name.rpartition(" ")[2])

    parser.StartElementHandler = start
    try:
        parser.Parse(body, True)
    except _Found as found:
        return str(found.args[0])
    except expat.ExpatError:
        return ""
    return ""

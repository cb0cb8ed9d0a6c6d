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

An addressbook-/calendar-multiget (thousands of hrefs) is checked on a tree instead
(:func:`quick_multiget_check`): an expat pass with only the DTD handlers, then the C
tree builder (of the body without its hrefs, when they are one plain run:
:mod:`cms_dav.wsgi.multiget_scan`), then the limits counted on the tree and the hrefs;
both are left for the inner layers (:mod:`cms_dav.wsgi.parsed_xml`). Any body that
check does not pass cleanly gets the full pass above, which gives the refusals their
exact words.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import Any, Callable, Iterable, NoReturn
from xml.etree import ElementTree as ET
from xml.parsers import expat

from cms_dav.config import Limits
from cms_dav.limits.errors import LimitExceeded
from cms_dav.limits.xml_limits import DATED_TAGS, XmlLimitsWatcher
from cms_dav.request_context import ENVIRON_KEY, RequestContext
from cms_dav.wsgi import parsed_xml
from cms_dav.wsgi.body_charset import declared_charset, decode_strictly
from cms_dav.wsgi.listing_request import CALDAV, CARDDAV, parse_body
from cms_dav.wsgi.multiget_scan import Hrefs, head_document, scan
from cms_dav.wsgi.plain_error import plain_error

XML_METHODS = {"PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR"}
#: REPORT roots checked on a tree (:func:`quick_multiget_check`)
MULTIGET_ROOTS = frozenset({CARDDAV + "addressbook-multiget", CALDAV + "calendar-multiget"})

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
    _refuse_dtds(parser)
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise ValueError(str(exc)) from None


def _refuse_dtds(parser: Any) -> None:
    parser.StartDoctypeDeclHandler = _refuse("DTDForbidden")
    parser.EntityDeclHandler = _refuse("EntitiesForbidden")
    parser.UnparsedEntityDeclHandler = _refuse("EntitiesForbidden")
    parser.ExternalEntityRefHandler = _refuse("ExternalReferenceForbidden")


def _depth(root: ET.Element) -> int:
    """Nesting depth of the tree (the root alone: 1); leaves cost one len() each."""
    deepest = 1
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        for child in element:
            if len(child):
                stack.append((child, depth + 1))
            elif depth + 1 > deepest:
                deepest = depth + 1
        if depth > deepest:
            deepest = depth
    return deepest


def quick_multiget_check(body: bytes, content_type: str, limits: Limits
                         ) -> parsed_xml.ParsedXml | None:
    """The parse of a multiget body that :func:`check_xml` would pass, at C speed; None
    for anything else, and for any body that would be refused (:func:`check_xml` then
    refuses it in its own words).

    The first expat pass has only the DTD handlers (no Python call per element), so it
    refuses DTDs, entities and external references before anything is built. Then the
    body, read as the fast listing (and Radicale) reads it, becomes a tree without its
    hrefs and the hrefs' text (:mod:`cms_dav.wsgi.multiget_scan`), or, when its hrefs
    are not one plain run, the whole tree. The element count and depth of ``[limits]``
    are counted on the tree plus the hrefs (each one element, one level under the
    root); a dated element (time-range, expand ...) takes the full pass, which checks
    its dates.

    An ASCII body whose hrefs are plain names under one parent (:func:`_plain_body`)
    skips the expat pass over the whole body: its run of hrefs was read exactly, and
    expat checks the rest."""
    plain = _plain_body(body, content_type)
    if plain is not None:
        root, hrefs = plain
    else:
        parser = expat.ParserCreate(namespace_separator=" ")
        _refuse_dtds(parser)
        try:
            parser.Parse(body, True)
        except (expat.ExpatError, ValueError):  # XmlRefused; pyexpat's "multi-byte
            return None  # encodings are not supported" (check_xml words it: a 400)
        text = decode_strictly(body, content_type)
        if not text or "<!DOCTYPE" in text:
            return None
        scanned = scan(text)
        hrefs = None
        if scanned is not None:
            root, hrefs = scanned
        else:
            tree = parse_body(body, content_type)
            if tree is None:
                return None
            root = tree
    if root.tag not in MULTIGET_ROOTS:
        return None
    # both walks run in C: no Python step per href
    if any(next(root.iter(tag), None) is not None for tag in DATED_TAGS):
        return None
    elements, depth = len(list(root.iter())), _depth(root)
    if hrefs is not None and hrefs.count:
        elements, depth = elements + hrefs.count, max(depth, 2)
    if elements > limits.max_xml_elements or depth > limits.max_xml_depth:
        return None
    return parsed_xml.ParsedXml(body, content_type, root, hrefs)


#: charsets (Python's codec names) a Content-Type may name for :func:`_plain_body`:
#: each reads ASCII bytes as ASCII, as UTF-8 (none named) does
_ASCII_CODECS = frozenset({"utf-8", "ascii", "iso8859-1"})
#: encodings an XML declaration may name for it: expat's own names of the same
_ASCII_ENCODINGS = frozenset({"utf-8", "us-ascii", "iso-8859-1"})
_DECLARED_ENCODING = re.compile(r"[ \t\r\n]*<\?xml[^<>]*?encoding[ \t\r\n]*=[ \t\r\n]*"
                                r"[\"']([^\"'<>]*)[\"']")


def _plain_body(body: bytes, content_type: str) -> tuple[ET.Element, Hrefs] | None:
    """The tree without its hrefs and the hrefs of a multiget body that needs no expat
    pass over the whole of it (issue 19 target 6, round nine: ~30 ms at 100k hrefs),
    or None (the caller makes that pass). Such a body is ASCII, read as ASCII by the
    Content-Type's charset and by its XML declaration, and its hrefs are one run of
    plain names under one parent (:func:`multiget_scan.scan` read them exactly:
    elements and whitespace only, nothing expat could refuse). Expat, with the DTD
    handlers, then checks the rest: the body without its run
    (:func:`multiget_scan.head_document`). A DTD is refused twice over, with no
    ``<!DOCTYPE`` search of the whole body (~5 ms at 100k): ``scan`` finds the root
    only right after the XML declaration, and those handlers refuse one in the head."""
    if not body.isascii():
        return None
    declared = declared_charset(content_type)
    if declared is not None:
        try:
            if codecs.lookup(declared).name not in _ASCII_CODECS:
                return None
        except (LookupError, ValueError):
            return None
    text = body.decode("ascii")
    encoding = _DECLARED_ENCODING.match(text)
    if encoding is not None and encoding.group(1).lower() not in _ASCII_ENCODINGS:
        return None
    scanned = scan(text)
    if scanned is None or not scanned[1].plain:
        return None
    parser = expat.ParserCreate(namespace_separator=" ")
    _refuse_dtds(parser)
    try:
        parser.Parse(head_document(scanned[1]).encode("ascii"), True)
    except (expat.ExpatError, XmlRefused):
        return None
    return scanned


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
        content_type = environ.get("CONTENT_TYPE", "") or ""
        parsed = quick_multiget_check(body, content_type, self.limits) \
            if method == "REPORT" else None
        if parsed is not None:
            environ["wsgi.input"] = io.BytesIO(body)
            parsed_xml.remember(environ, parsed)
            context = environ.get(ENVIRON_KEY)
            if isinstance(context, RequestContext):
                context.report = parsed.root.tag.rpartition("}")[2]
            return self.app(environ, start_response)
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

"""Multistatus XML written as text, item by item, in Radicale's exact shapes.

Radicale builds one ElementTree element per property per item and serializes the
whole tree at the end; for 10k items that is most of a listing's time and memory.
These helpers render the same markup (same escaping, same ``<propstat>`` grouping,
same status lines) straight into UTF-8 bytes (item texts arrive as bytes from the
store and are never decoded), and :func:`chunked` joins them into ~64 KiB chunks so a
response never holds more than one chunk.
"""

from __future__ import annotations

import zlib
from email.utils import formatdate
import re
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence
from urllib.parse import quote

from radicale import xmlutils

from cms_dav.wsgi.listing_request import (ADDRESS_DATA, CALENDAR_DATA, GETCONTENTTYPE,
                                          GETETAG, GETLASTMODIFIED, RESOURCETYPE)

ENCODING = "utf-8"
CHUNK_BYTES = 64 * 1024

_PREFIXES = {"DAV:": "", "urn:ietf:params:xml:ns:caldav": "C:",
             "urn:ietf:params:xml:ns:carddav": "CR:", "http://calendarserver.org/ns/": "CS:"}

#: ElementTree's XML declaration, as Radicale writes it (``xml_declaration=True``)
DECLARATION = f"<?xml version='1.0' encoding='{ENCODING}'?>\n".encode(ENCODING)
TAIL = b"</multistatus>"
#: a multistatus without responses, as ElementTree writes an empty element
EMPTY = DECLARATION + b'<multistatus xmlns="DAV:" />'

STATUS_200 = xmlutils.make_response(200)
STATUS_404 = xmlutils.make_response(404)

#: names ``urllib.parse.quote`` leaves as they are (and XML needs no escaping for)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.~-]*")


def escape(text: str) -> str:
    """Character data escaped as ElementTree escapes it (``&``, ``<``, ``>`` only)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_bytes(data: bytes) -> bytes:
    """:func:`escape` on UTF-8 bytes (the three characters are ASCII)."""
    if b"&" in data:
        data = data.replace(b"&", b"&amp;")
    if b"<" in data:
        data = data.replace(b"<", b"&lt;")
    if b">" in data:
        data = data.replace(b">", b"&gt;")
    return data


def tag_name(clark: str) -> str:
    """``{DAV:}getetag`` -> ``getetag``; only Radicale's prefixes for these namespaces."""
    namespace, _, local = clark[1:].partition("}")
    return _PREFIXES[namespace] + local


def element(clark: str, text: str | None) -> bytes:
    name = tag_name(clark)
    if text is None:
        return f"<{name} />".encode(ENCODING)
    return f"<{name}>{escape(text)}</{name}>".encode(ENCODING)


def namespaces_of(props: Iterable[str]) -> frozenset[str]:
    """The namespaces of the Clark-notation tags ``props``."""
    return frozenset(clark[1:].partition("}")[0] for clark in props)


def report_head(namespaces: Iterable[str]) -> bytes:
    """The declaration and the root's start tag, declaring DAV: and ``namespaces`` as
    ElementTree does: only namespaces some element uses, sorted by prefix."""
    prefixes = sorted((_PREFIXES[uri].rstrip(":"), uri) for uri in {"DAV:", *namespaces})
    declarations = "".join(f' xmlns{":" + prefix if prefix else ""}="{uri}"'
                           for prefix, uri in prefixes)
    return DECLARATION + f"<multistatus{declarations}>".encode(ENCODING)


def split_single_response(body: bytes) -> tuple[bytes, bytes]:
    """Radicale's answer to a ``PROPFIND Depth: 0``, cut into its head (declaration and
    the root's start tag) and its one ``<response>``, byte for byte.

    The head serves the Depth 1 answer as it is: every item response names exactly the
    props the collection's response names, so no other namespace is ever used.
    Raises ValueError for any other shape (Radicale then answers the request itself).
    """
    start = body.find(b"<multistatus")
    end = body.find(b">", start) + 1
    response = body[end:-len(TAIL)]
    if start < 0 or end <= 0 or body[end - 2:end] == b"/>" or not body.endswith(TAIL) \
            or not response.startswith(b"<response>") or response.count(b"<response>") != 1 \
            or not response.endswith(b"</response>"):
        raise ValueError("Radicale's Depth 0 answer is not one <response> in a <multistatus>")
    return body[:end], response


def report(responses: Iterable[tuple[bool, bytes]], namespaces: frozenset[str],
           prolog: bytes = b"") -> Iterator[bytes]:
    """A REPORT's multistatus around ``responses``, pairs (carries props, bytes).

    ElementTree declares a namespace on the root only when an element uses it, and the
    props' namespaces (``namespaces``) are used only by responses that carry props. So
    the head waits for the first such response; the 404s before it are held (a few
    hundred bytes each). With no response at all the root is an empty element.
    """
    held: list[bytes] | None = [prolog] if prolog else []
    for carries_props, data in responses:
        if held is None:
            yield data
        elif carries_props:
            yield report_head(namespaces)
            yield from held
            yield data
            held = None
        elif data:
            held.append(data)
    if held is None:
        yield TAIL
    elif held:
        yield report_head(())
        yield from held
        yield TAIL
    else:
        yield EMPTY


class Listed(Protocol):
    """What a response needs of an item: an ItemRecord or a listing row (read-only,
    so a NamedTuple row such as ``listing.StoredRow`` is one too)."""

    @property
    def href(self) -> str: ...
    @property
    def etag(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def component(self) -> str: ...
    @property
    def modified_at(self) -> float: ...


def content_type(item: Listed) -> str:
    """``xmlutils.get_content_type`` from stored columns, without parsing."""
    value = f"{xmlutils.OBJECT_MIMETYPES[item.name]};charset={ENCODING}"
    return value + f";component={item.component}" if item.component else value


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def _as_bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode(ENCODING)


def _value_of(clark: str) -> Callable[[Any], bytes | None]:
    """How Radicale fills an item property it knows, escaped (None: an empty element).

    Item text may come as UTF-8 bytes (listing rows) or str (records)."""
    if clark == GETETAG:
        return lambda item: escape(item.etag).encode(ENCODING)
    if clark == GETCONTENTTYPE:
        return lambda item: escape(content_type(item)).encode(ENCODING)
    if clark == GETLASTMODIFIED:
        return lambda item: http_date(item.modified_at).encode(ENCODING)
    if clark in (ADDRESS_DATA, CALENDAR_DATA):
        return lambda item: escape_bytes(_as_bytes(item.text))
    if clark == RESOURCETYPE:
        return lambda item: None
    raise KeyError(clark)


def propstat(status: str, elements: Sequence[str]) -> str:
    return f"<propstat><prop>{''.join(elements)}</prop><status>{status}</status></propstat>"


class ResponseWriter:
    """Item ``<response>`` elements for one request, as UTF-8 bytes.

    Props in ``known`` are found, the rest 404; the two ``<propstat>`` groups come in
    the order their first prop was requested (Radicale's PROPFIND order; a REPORT here
    only ever has found props). Everything that does not depend on the item is
    worked out once, here, down to the bytes around each value.
    """

    def __init__(self, base_prefix: str, collection_path: str, props: Sequence[str],
                 known: frozenset[str]) -> None:
        self.prefix = escape(quote(f"{base_prefix}/{collection_path}/"))
        self.found = [(f"<{tag_name(c)}>".encode(), f"</{tag_name(c)}>".encode(),
                       f"<{tag_name(c)} />".encode(), _value_of(c))
                      for c in props if c in known]
        missing = [f"<{tag_name(clark)} />" for clark in props if clark not in known]
        missing_propstat = propstat(STATUS_404, missing).encode() if missing else b""
        missing_first = bool(missing) and props[0] not in known
        found_open = b"<propstat><prop>" if self.found else b""
        found_close = f"</prop><status>{STATUS_200}</status></propstat>".encode() \
            if self.found else b""
        #: bytes before the first and after the last found value, around the href
        self.after_href = b"</href>" + (missing_propstat if missing_first else b"") + found_open
        self.closing = found_close + (b"" if missing_first else missing_propstat) + \
            b"</response>"
        self.empty = not props

    def href(self, name: str) -> str:
        """The escaped href text, as ``xmlutils.make_href`` quotes it."""
        if _PLAIN_NAME.fullmatch(name):
            return self.prefix + name
        return self.prefix + escape(quote(name))

    def found_response(self, item: Listed) -> bytes:
        if self.empty:
            return b""  # Radicale leaves out found items when no prop was asked for
        parts = [b"<response><href>", self.href(item.href).encode(ENCODING), self.after_href]
        for opening, closing, empty, value_of in self.found:
            value = value_of(item)
            if value is None:
                parts.append(empty)
            else:
                parts += (opening, value, closing)
        parts.append(self.closing)
        return b"".join(parts)

    def missing_response(self, name: str) -> bytes:
        return (f"<response><href>{self.href(name)}</href><status>{STATUS_404}</status>"
                "</response>").encode(ENCODING)


def chunked(parts: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Parts joined into chunks of about ``size`` bytes."""
    pending: list[bytes] = []
    length = 0
    for part in parts:
        pending.append(part)
        length += len(part)
        if length >= size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)


def gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The same stream as one gzip member, as Radicale compresses whole answers."""
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    for chunk in chunks:
        data = compressor.compress(chunk)
        if data:
            yield data
    yield compressor.flush()

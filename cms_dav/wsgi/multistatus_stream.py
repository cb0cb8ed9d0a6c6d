"""Multistatus XML written as text, item by item, in Radicale's exact shapes.

Radicale builds one ElementTree element per property per item and serializes the
whole tree at the end; for 10k items that is most of a listing's time and memory.
These helpers render the same markup (same escaping, same ``<propstat>`` grouping,
same status lines) straight into strings, and :func:`chunked` turns them into
~64 KiB byte chunks so a response never holds more than one chunk.
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

HEAD = ("<?xml version='1.0' encoding='utf-8'?>\n"
        '<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
        'xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/">')
TAIL = "</multistatus>"

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


def tag_name(clark: str) -> str:
    """``{DAV:}getetag`` -> ``getetag``; only the namespaces declared in HEAD occur."""
    namespace, _, local = clark[1:].partition("}")
    return _PREFIXES[namespace] + local


def element(clark: str, text: str | None) -> str:
    name = tag_name(clark)
    if text is None:
        return f"<{name} />"
    return f"<{name}>{escape(text)}</{name}>"


class Listed(Protocol):
    """What a response needs of an item: an ItemRecord or a listing row."""
    href: str
    etag: str
    name: str
    component: str
    modified_at: float


def content_type(item: Listed) -> str:
    """``xmlutils.get_content_type`` from stored columns, without parsing."""
    value = f"{xmlutils.OBJECT_MIMETYPES[item.name]};charset={ENCODING}"
    return value + f";component={item.component}" if item.component else value


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def _value_of(clark: str) -> Callable[[Any], str | None]:
    """How Radicale fills an item property it knows (None: an empty element)."""
    if clark == GETETAG:
        return lambda item: item.etag
    if clark == GETCONTENTTYPE:
        return content_type
    if clark == GETLASTMODIFIED:
        return lambda item: http_date(item.modified_at)
    if clark in (ADDRESS_DATA, CALENDAR_DATA):
        return lambda item: item.text
    if clark == RESOURCETYPE:
        return lambda item: None
    raise KeyError(clark)


def propstat(status: str, elements: Sequence[str]) -> str:
    return f"<propstat><prop>{''.join(elements)}</prop><status>{status}</status></propstat>"


class ResponseWriter:
    """Item ``<response>`` elements for one request.

    Props in ``known`` are found, the rest 404; the two ``<propstat>`` groups come in
    the order their first prop was requested (Radicale's PROPFIND order; a REPORT here
    only ever has found props). Everything that does not depend on the item is
    worked out once, here.
    """

    def __init__(self, base_prefix: str, collection_path: str, props: Sequence[str],
                 known: frozenset[str]) -> None:
        self.prefix = escape(quote(f"{base_prefix}/{collection_path}/"))
        self.found = [(tag_name(clark), _value_of(clark)) for clark in props if clark in known]
        missing = [element(clark, None) for clark in props if clark not in known]
        self.missing_propstat = propstat(STATUS_404, missing) if missing else ""
        self.missing_first = bool(missing) and props[0] not in known
        self.empty = not props

    def href(self, name: str) -> str:
        """The escaped href text, as ``xmlutils.make_href`` quotes it."""
        if _PLAIN_NAME.fullmatch(name):
            return self.prefix + name
        return self.prefix + escape(quote(name))

    def found_response(self, item: Listed) -> str:
        if self.empty:
            return ""  # Radicale leaves out found items when no prop was asked for
        parts = []
        for name, value_of in self.found:
            text = value_of(item)
            parts.append(f"<{name} />" if text is None else f"<{name}>{escape(text)}</{name}>")
        found = (f"<propstat><prop>{''.join(parts)}</prop><status>{STATUS_200}</status>"
                 "</propstat>") if parts else ""
        body = self.missing_propstat + found if self.missing_first \
            else found + self.missing_propstat
        return f"<response><href>{self.href(item.href)}</href>{body}</response>"

    def missing_response(self, name: str) -> str:
        return f"<response><href>{self.href(name)}</href><status>{STATUS_404}</status></response>"


def chunked(parts: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Encoded parts joined into chunks of about ``size`` bytes."""
    pending: list[str] = []
    length = 0
    for part in parts:
        pending.append(part)
        length += len(part)
        if length >= size:
            yield "".join(pending).encode(ENCODING)
            pending, length = [], 0
    if pending:
        yield "".join(pending).encode(ENCODING)


def gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The same stream as one gzip member, as Radicale compresses whole answers."""
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    for chunk in chunks:
        data = compressor.compress(chunk)
        if data:
            yield data
    yield compressor.flush()

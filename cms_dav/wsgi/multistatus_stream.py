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
from typing import Iterable, Iterator, Sequence
from urllib.parse import quote

from radicale import xmlutils

from cms_dav.store.records import ItemRecord
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


def item_href(base_prefix: str, collection_path: str, name: str) -> str:
    """The escaped href text, as ``xmlutils.make_href`` would quote it."""
    return escape(quote(f"{base_prefix}/{collection_path}/{name}"))


def content_type(record: ItemRecord) -> str:
    """``xmlutils.get_content_type`` from stored columns, without parsing."""
    value = f"{xmlutils.OBJECT_MIMETYPES[record.name]};charset={ENCODING}"
    return value + f";component={record.component}" if record.component else value


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def prop_value(clark: str, record: ItemRecord) -> str | None:
    """The text Radicale gives an item property it knows (None: an empty element)."""
    if clark == GETETAG:
        return record.etag
    if clark == GETCONTENTTYPE:
        return content_type(record)
    if clark == GETLASTMODIFIED:
        return http_date(record.modified_at)
    if clark in (ADDRESS_DATA, CALENDAR_DATA):
        assert record.text is not None, "data props need the item text"
        return record.text
    if clark == RESOURCETYPE:
        return None
    raise KeyError(clark)


def propstat(status: str, elements: Sequence[str]) -> str:
    return f"<propstat><prop>{''.join(elements)}</prop><status>{status}</status></propstat>"


def found_response(href: str, record: ItemRecord, props: Sequence[str],
                   known: frozenset[str]) -> str:
    """One item's ``<response>``: props in ``known`` found, the rest 404; the two
    ``<propstat>`` groups in the order their first prop was requested (Radicale's
    PROPFIND order; a REPORT here only ever has found props)."""
    groups: dict[str, list[str]] = {}
    for clark in props:
        if clark in known:
            groups.setdefault(STATUS_200, []).append(element(clark, prop_value(clark, record)))
        else:
            groups.setdefault(STATUS_404, []).append(element(clark, None))
    body = "".join(propstat(status, elements) for status, elements in groups.items())
    return f"<response><href>{href}</href>{body}</response>"


def missing_response(href: str) -> str:
    return f"<response><href>{href}</href><status>{STATUS_404}</status></response>"


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

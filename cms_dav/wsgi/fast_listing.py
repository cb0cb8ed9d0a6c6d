"""Streamed answers for the three big listings: PROPFIND Depth 1, sync-collection,
addressbook-/calendar-multiget.

For a 10k-card book Radicale spends its time building one ElementTree element per
property per item, asking the rights backend once per item, and serializing the
whole tree at the end (which also sets the peak memory). This layer, directly around
Radicale's app, answers those requests itself with text streamed in ~64 KiB chunks,
reading items from the store in batches, and hands every other request to Radicale
untouched.

It never decides who may log in or see what by itself: Radicale first answers an
internal ``PROPFIND Depth: 0`` on the same path with the same credentials; only a
207 from that (plus read rights from the ACL policy, a real collection of the
caller's own home, and props whose rendering is reproduced exactly) takes the fast
path. The collection's own ``<response>`` in a PROPFIND is Radicale's, spliced in.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator
from xml.etree import ElementTree as ET

from radicale import pathutils

from cms_dav.acl.policy import Policy
from cms_dav.wsgi.unmount import basic_login
from cms_dav.config import Settings
from cms_dav.store.records import CollectionRecord
from cms_dav.store.store import Store
from cms_dav.store import listing
from cms_dav.wsgi import multistatus_stream as ms
from cms_dav.wsgi.listing_request import (CALDAV, CARDDAV, PROPFIND_ITEM_PROPS,
                                          REPORT_PROPS, ListingRequest, parse_body,
                                          propfind_request, report_request)

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: the cheapest PROPFIND that still runs Radicale's login, rights and lookup checks
PROBE_BODY = b'<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop>' \
             b'<resourcetype/></prop></propfind>'
#: hrefs per store query for multiget and incremental sync
BATCH = 500
#: Radicale refuses calendar-data REPORTs past ``[reporting] max_expand_occurrence``
#: VEVENTs (default 10000) with a 400 a stream cannot give; big calendars go there
CALENDAR_DATA_ITEM_LIMIT = 1000
_DROPPED_HEADERS = {"content-length", "content-encoding", "content-type"}


@dataclass
class Probe:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class FastListingMiddleware:
    def __init__(self, app: WSGIApp, settings: Settings, store: Store, policy: Policy) -> None:
        self.app = app
        self.settings = settings
        self.policy = policy
        extra = settings.extra_radicale
        # Radicale options that change what the stream would have to say: leave
        # those set-ups entirely to Radicale
        self.enabled = settings.fast_listing and not (
            "encoding" in extra or "reporting" in extra
            or extra.get("server", {}).get("script_name"))
        self._store = store

    def store(self) -> Store:
        return self._store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        if not self.enabled or method not in ("PROPFIND", "REPORT") or \
                (method == "PROPFIND" and environ.get("HTTP_DEPTH") != "1"):
            return self.app(environ, start_response)
        body = _read_body(environ)
        try:
            answer = self._answer(environ, method, body)
        except Exception:  # noqa: BLE001 - Radicale answers whatever we cannot
            logger.warning("fast listing failed, Radicale answers instead", exc_info=True)
            answer = None
        if answer is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        status, headers, chunks = answer
        start_response(status, headers)
        return chunks

    # -- deciding ----------------------------------------------------------------
    def _answer(self, environ: dict[str, Any], method: str, body: bytes
                ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]] | None:
        login = basic_login(environ)
        base_prefix = _base_prefix(environ)
        if not login or base_prefix is None:
            return None
        path = pathutils.sanitize_path(environ.get("PATH_INFO", ""))
        collection_path = path.strip("/")
        if collection_path.split("/")[0] != login or "/" not in collection_path:
            return None
        root = parse_body(body, environ.get("CONTENT_TYPE", ""))
        request = (propfind_request(root) if method == "PROPFIND"
                   else report_request(root, base_prefix, collection_path))
        if request is None:
            return None
        probe = self._probe(environ, body if method == "PROPFIND" else PROBE_BODY)
        if probe.status.startswith("401"):
            # the same refusal Radicale would give; asking again would count a
            # second failed login against the lockout
            return probe.status, probe.headers, [probe.body]
        if not probe.status.startswith("207"):
            return None
        if "r" not in self.policy.authorization(login, f"/{collection_path}/"):
            return None
        record = self.store().collection(collection_path)
        if record is None or not _fits(record, request, root):
            return None
        headers = _headers(probe.headers, environ, keep_dav=method == "PROPFIND")
        if request.kind == "propfind":
            parts = self._propfind(record, request, base_prefix, _first_response(probe.body))
        elif request.kind == "sync":
            try:
                token, hrefs = self.store().sync(collection_path, request.sync_token)
            except Exception:  # noqa: BLE001 - Radicale renders the valid-sync-token error
                return None
            if _too_many_events(record, request, len(hrefs)):
                return None
            parts = self._sync(record, request, base_prefix, token, hrefs)
        else:
            if _too_many_events(record, request, len(request.names)):
                return None
            parts = self._items(record, request, base_prefix, list(request.names))
        chunks: Iterable[bytes] = ms.chunked(parts)
        if ("Content-Encoding", "gzip") in headers:
            chunks = ms.gzipped(chunks)
        return "207 Multi-Status", headers, chunks

    def _probe(self, environ: dict[str, Any], body: bytes) -> Probe:
        """Radicale's own answer to ``PROPFIND Depth: 0`` on the path."""
        probe_environ = dict(environ)
        probe_environ.pop("HTTP_ACCEPT_ENCODING", None)
        probe_environ.update({"REQUEST_METHOD": "PROPFIND", "HTTP_DEPTH": "0",
                              "wsgi.input": io.BytesIO(body),
                              "CONTENT_LENGTH": str(len(body))})
        if body is PROBE_BODY:
            probe_environ["CONTENT_TYPE"] = "application/xml; charset=utf-8"
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                    ) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda _data: None

        result = self.app(probe_environ, capture)
        try:
            data = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return Probe(captured["status"], list(captured["headers"]), data)

    # -- streaming ---------------------------------------------------------------
    def _propfind(self, record: CollectionRecord, request: ListingRequest, base_prefix: str,
                  collection_response: str) -> Iterator[bytes]:
        writer = ms.ResponseWriter(base_prefix, record.path, request.props, PROPFIND_ITEM_PROPS)
        yield ms.HEAD
        yield collection_response.encode(ms.ENCODING)
        for row in listing.all_rows(self.store(), record.id, with_text=False):
            yield writer.found_response(row)
        yield ms.TAIL

    def _sync(self, record: CollectionRecord, request: ListingRequest, base_prefix: str,
              token: str, hrefs: list[str]) -> Iterator[bytes]:
        yield ms.HEAD
        yield ms.element("{DAV:}sync-token", token)
        if request.sync_token:
            yield from self._items(record, request, base_prefix, hrefs, framed=False)
        else:
            # the whole collection: one ordered scan instead of lookups by name
            writer = ms.ResponseWriter(base_prefix, record.path, request.props, REPORT_PROPS)
            wanted = set(hrefs)
            for row in listing.all_rows(self.store(), record.id, request.needs_text):
                if row.href in wanted:
                    wanted.discard(row.href)
                    yield writer.found_response(row)
            for name in sorted(wanted):
                yield writer.missing_response(name)
        yield ms.TAIL

    def _items(self, record: CollectionRecord, request: ListingRequest, base_prefix: str,
               names: list[str], framed: bool = True) -> Iterator[bytes]:
        """Items by name in batches; names no longer there get Radicale's 404."""
        writer = ms.ResponseWriter(base_prefix, record.path, request.props, REPORT_PROPS)
        if framed:
            yield ms.HEAD
        for start in range(0, len(names), BATCH):
            batch = names[start:start + BATCH]
            found = listing.rows_by_href(self.store(), record.id, batch,
                                              request.needs_text)
            for name in batch:
                row = found.get(name)
                yield writer.missing_response(name) if row is None \
                    else writer.found_response(row)
        if framed:
            yield ms.TAIL


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _base_prefix(environ: dict[str, Any]) -> str | None:
    """Radicale's base prefix; None for set-ups where Radicale rewrites the path."""
    prefix = environ.get("HTTP_X_SCRIPT_NAME", environ.get("SCRIPT_NAME", ""))
    if prefix and not prefix.startswith("/"):
        return None
    prefix = prefix.rstrip("/")
    behind_proxy = any(environ.get(key) for key in (
        "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO",
        "HTTP_X_FORWARDED_SERVER"))
    return None if prefix and behind_proxy else prefix


def _fits(record: CollectionRecord, request: ListingRequest, root: ET.Element | None
          ) -> bool:
    """The collection is one Radicale would list, with a report made for its kind."""
    if record.tag not in ("VADDRESSBOOK", "VCALENDAR"):
        return False
    if request.kind == "multiget":
        assert root is not None
        expected = CARDDAV + "addressbook-multiget" if record.tag == "VADDRESSBOOK" \
            else CALDAV + "calendar-multiget"
        return root.tag == expected
    return True


def _too_many_events(record: CollectionRecord, request: ListingRequest, count: int) -> bool:
    return request.needs_text and record.tag == "VCALENDAR" and \
        count > CALENDAR_DATA_ITEM_LIMIT


def _first_response(body: bytes) -> str:
    """The collection's ``<response>`` from Radicale's Depth 0 answer, as text."""
    response = ET.fromstring(body).find("{DAV:}response")
    if response is None:
        raise ValueError("Radicale's Depth 0 answer has no <response>")
    return ET.tostring(response, encoding="unicode")


def _headers(probe_headers: list[tuple[str, str]], environ: dict[str, Any],
             keep_dav: bool) -> list[tuple[str, str]]:
    """Radicale's headers for the answer (its DAV and configured extra headers),
    without a length: the body is streamed."""
    headers = [(key, value) for key, value in probe_headers
               if key.lower() not in _DROPPED_HEADERS and (keep_dav or key.lower() != "dav")]
    headers.append(("Content-Type", f"text/xml; charset={ms.ENCODING}"))
    accepted = [part.strip() for part in environ.get("HTTP_ACCEPT_ENCODING", "").split(",")]
    if "gzip" in accepted:
        headers.append(("Content-Encoding", "gzip"))
    return headers

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

The bytes are Radicale's (tests/wsgi/test_fast_listing_differential.py compares them,
docs/fast-listing.md lists the only differences: Content-Length, multiget order):
a PROPFIND keeps the head of Radicale's Depth 0 answer; a REPORT declares only the
namespaces its elements use; sync-collection answers in the order the store reported
the names, names gone since the token (404) first, as Radicale does (RFC 6578 §3.5);
multiget answers in the request's order (Radicale's is a hash-seeded set's), or by
href when it names most of the collection. A multiget by a login the login cache
knows is answered without the probe (cms_dav.wsgi.fast_multiget).

A database failure (docs/fast-listing.md, "When the database fails"):

- before the answer starts (the collection lookup, the sync token, or the reads for
  the first ~64 KiB chunk, all done before ``start_response``): Radicale answers the
  request instead, completely or with its own error;
- after the status line went out: the stream stops where it is, without
  ``</multistatus>`` (and without the gzip trailer), and the exception goes on to the
  WSGI server. cms_dav's front (cms_dav.serving) then closes the connection without
  the last chunk (HTTP/1.1) or at that point (HTTP/1.0, where the close ends the body
  but the XML is invalid), as gunicorn does too. No client can take the part for the
  whole answer.
"""

from __future__ import annotations

import io
import itertools
import logging
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator
from xml.etree import ElementTree as ET

from radicale import pathutils
from sqlalchemy import Connection, select

from cms_dav.acl import permissions
from cms_dav.acl.policy import Policy
from cms_dav.contacts.dav_prefilter import all_cards_indexed, exact_ids
from cms_dav.limits import work
from cms_dav.limits.errors import LimitExceeded
from cms_dav.auth import Authenticator
from cms_dav.wsgi.fast_multiget import (RENDERED, REPORT_OF, SLICE, FastMultiget,
                                      RowRenderer, scanned)
from cms_dav.wsgi.unmount import basic_login
from cms_dav.config import Settings
from cms_dav.store.records import CollectionRecord
from cms_dav.store.schema import collections
from cms_dav.store.store import Store
from cms_dav.store import listing, sync_pages
from cms_dav.wsgi import multistatus_stream as ms
from cms_dav.wsgi import parsed_xml
from cms_dav.wsgi import sync_limit
from cms_dav.wsgi.whole_answer import buffered_body
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
#: collection versions remembered as fully indexed (forgotten all at once past this)
INDEXED_VERSIONS = 10_000
_DROPPED_HEADERS = {"content-length", "content-encoding", "content-type"}


@dataclass
class Probe:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class FastListingMiddleware:
    """``store`` and ``policy``: the App's, handed over when it builds the stack."""

    def __init__(self, app: WSGIApp, settings: Settings, store: Store, policy: Policy,
                 authenticator: Authenticator | None = None) -> None:
        self.app = app
        self.settings = settings
        self.policy = policy
        extra = settings.extra_radicale
        # Radicale options that change what the stream would have to say: leave
        # those set-ups entirely to Radicale
        self.enabled = settings.fast_listing and not (
            "encoding" in extra or "reporting" in extra
            or extra.get("server", {}).get("script_name"))
        self.store = store
        #: multigets answered without the probe (not when ``[headers]`` would add to
        #: Radicale's answer, which only the probe shows)
        self.multiget = None if authenticator is None or "headers" in extra else \
            FastMultiget(store, policy, authenticator, CALENDAR_DATA_ITEM_LIMIT)
        #: collection id -> (sync epoch, sync seq) at which every card was found indexed
        self._indexed_at: dict[int, tuple[Any, ...]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        if not self.enabled or method not in ("PROPFIND", "REPORT") or \
                (method == "PROPFIND" and environ.get("HTTP_DEPTH") != "1"):
            return self.app(environ, start_response)
        body = buffered_body(environ)
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
        if "/" not in collection_path:
            return None
        home = collection_path.split("/")[0]
        # another user's collection: only a multiget, which asks the ACL policy itself
        # (a share or rights-file grant to read it); group collections stay Radicale's
        own = home == login
        if not own and (method != "REPORT" or self.multiget is None
                        or home == permissions.GROUPS_ROOT):
            return None
        content_type = environ.get("CONTENT_TYPE", "")
        parsed = parsed_xml.recall(environ, body, content_type)
        root = parse_body(body, content_type) if parsed is None else parsed.root
        hrefs = None if parsed is None else parsed.hrefs
        if not own and (root is None or root.tag not in REPORT_OF.values()):
            return None  # not a multiget: every other request on it is Radicale's
        try:
            limit = sync_limit.requested_limit(root)
        except sync_limit.BadLimit as problem:
            return self._refuse(environ, str(problem))
        request = (propfind_request(root) if method == "PROPFIND"
                   else report_request(root, base_prefix, collection_path, hrefs))
        if request is None or (not own and request.kind != "multiget"):
            return None
        if request.kind == "multiget" and self.multiget is not None and root is not None:
            fast = self.multiget.answer(environ, collection_path, root.tag, request,
                                        base_prefix, REPORT_PROPS)
            if fast is not None:
                parsed_xml.forget(environ)  # the names are taken; the tree need not stream along
                extra_headers, responses = fast
                return self._stream(environ, method, collection_path,
                                    _headers(extra_headers, environ, keep_dav=False),
                                    ms.report(responses, ms.namespaces_of(request.props)))
        if not own:
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
        record = self.store.collection(collection_path)
        if record is None or not _fits(record, request, root):
            return None
        headers = _headers(probe.headers, environ, keep_dav=method == "PROPFIND")
        if request.kind == "propfind":
            parts = self._propfind(record, request, base_prefix, probe.body)
        elif request.kind == "sync":
            try:
                page = self._sync_page(collection_path, request.sync_token, limit)
            except Exception:  # noqa: BLE001 - Radicale renders the valid-sync-token error
                return None
            if _too_many_events(record, request, len(page.hrefs)):
                return None
            parts = self._sync(record, request, base_prefix, page)
        elif request.kind == "query":
            writer = ms.ResponseWriter(base_prefix, record.path, request.props, REPORT_PROPS)
            renderer = RowRenderer(listing.raw_text_column(self.store.engine), writer,
                                   request.props, REPORT_PROPS)
            try:
                rows = self._query_rows(record, request, renderer.columns)
            except LimitExceeded as refusal:  # [limits] query_seconds, as Radicale's path
                status, refusal_headers, refusal_body = refusal.render()
                return status, refusal_headers, [refusal_body]
            if rows is None:
                return None
            parts = self._query(request, renderer, rows)
        else:
            if _too_many_events(record, request, len(request.names)):
                return None
            parts = self._multiget(record, request, base_prefix)
        return self._stream(environ, method, collection_path, headers, parts)

    def _stream(self, environ: dict[str, Any], method: str, collection_path: str,
                headers: list[tuple[str, str]], parts: Iterable[bytes]
                ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        # the first chunk is read before the status line goes out: a database that
        # fails on the first read leaves Radicale to answer the whole request
        chunks = iter(ms.chunked(parts))
        first = next(chunks, b"")
        stream: Iterable[bytes] = _rest_or_cut(first, chunks, f"{method} /{collection_path}/")
        if ("Content-Encoding", "gzip") in headers:
            stream = ms.gzipped(stream)
        return "207 Multi-Status", headers, stream

    def _sync_page(self, collection_path: str, token: str, limit: int | None
                   ) -> sync_pages.Page:
        """The names to answer: all of them, or a page when the client set a limit."""
        if limit is not None:
            return self.store.sync_page(collection_path, token, limit)
        new_token, hrefs = self.store.sync(collection_path, token)
        initial = not sync_pages.base_token(token)
        return sync_pages.Page(new_token, hrefs, truncated=False, initial=initial)

    def _refuse(self, environ: dict[str, Any], problem: str
                ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]] | None:
        """400 for a malformed request, once Radicale has let the caller in (a 401
        stays Radicale's; any other refusal of the probe is Radicale's to give)."""
        probe = self._probe(environ, PROBE_BODY)
        if probe.status.startswith("401"):
            return probe.status, probe.headers, [probe.body]
        if not probe.status.startswith("207"):
            return None
        body = (problem + "\n").encode("utf-8")
        return "400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                   ("Content-Length", str(len(body)))], [body]

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
                  depth_0_answer: bytes) -> Iterator[bytes]:
        """Radicale's Depth 0 answer, its head and collection response kept byte for
        byte, with the item responses in storage order (Radicale's is by href; RFC 4918
        §9.1 asks no order of a multistatus' responses). Read by href, a book of UUID
        hrefs written by single PUTs among other books' rows visited a table page per
        row (issue 19 target 6, round eight)."""
        head, collection_response = ms.split_single_response(depth_0_answer)
        writer = ms.ResponseWriter(base_prefix, record.path, request.props, PROPFIND_ITEM_PROPS)
        yield head
        yield collection_response
        found = [prop for prop in request.props if prop in PROPFIND_ITEM_PROPS]
        if writer.empty or not RENDERED.issuperset(found):
            for row in listing.rows_in_storage_order(self.store, record.id):
                yield writer.found_response(row)
        else:  # getetag/getcontenttype (clients' PROPFIND): a page's rows in one join
            renderer = RowRenderer(listing.raw_text_column(self.store.engine), writer,
                                   request.props, PROPFIND_ITEM_PROPS)
            for rows in listing.pages_in_storage_order(self.store, record.id,
                                                       renderer.columns):
                for first in range(0, len(rows), SLICE):
                    yield renderer.render_all(rows[first:first + SLICE])
        yield ms.TAIL

    def _sync(self, record: CollectionRecord, request: ListingRequest, base_prefix: str,
              page: sync_pages.Page) -> Iterator[bytes]:
        """RFC 6578 §3.5 in Radicale's order: the names gone since the token (404) first,
        then the items, each group in the order the store reported the names; a
        truncated page ends with the 507 for the request-URI (§3.6)."""
        writer = ms.ResponseWriter(base_prefix, record.path, request.props, REPORT_PROPS)
        hrefs, token = page.hrefs, page.token
        responses: Iterable[tuple[bool, bytes]]
        if not page.initial:
            present = self._present(record, hrefs)
            gone = [name for name in hrefs if name not in present]
            names = [name for name in hrefs if name in present]
            responses = itertools.chain(
                ((False, writer.missing_response(name)) for name in gone),
                self._responses(record, request, writer, names))
        else:  # an initial sync: the names of items, all present
            responses = self._initial(record, request, writer, page)
        if page.truncated:
            responses = itertools.chain(
                responses, [(False, sync_limit.truncation_response(writer.prefix))])
        return ms.report(responses, ms.namespaces_of(request.props),
                         prolog=ms.element("{DAV:}sync-token", token))

    def _multiget(self, record: CollectionRecord, request: ListingRequest,
                  base_prefix: str) -> Iterator[bytes]:
        """The hrefs in the request's order (Radicale's order is a set's: undefined)."""
        writer = ms.ResponseWriter(base_prefix, record.path, request.props, REPORT_PROPS)
        return ms.report(self._responses(record, request, writer, list(request.names)),
                         ms.namespaces_of(request.props))

    def _query_rows(self, record: CollectionRecord, request: ListingRequest, columns: str
                    ) -> list[Any] | None:
        """``columns`` of the rows an addressbook-query matches, as plain tuples in
        Radicale's order (by href, the first column), when the index answers its filter
        exactly for every card (else None: Radicale filters). Index and rows are read
        in one snapshot; the query time budget is checked once they are read, before
        anything is sent."""
        if record.tag != "VADDRESSBOOK":
            return None
        with self.store.reading() as conn:
            ids = exact_ids(conn, record.id, request.filters)
            if ids is None or not self._all_cards_indexed(conn, record.id):
                return None
            wanted = list(ids)
            rows: list[Any] = []
            # ETags only: the card's index row has them, and every card is indexed at
            # its current name and ETag in this snapshot (checked just above)
            indexed = columns == listing.INDEXED_COLUMNS
            for start in range(0, len(wanted), BATCH):
                batch = wanted[start:start + BATCH]
                rows += (listing.indexed_by_id_in(conn, record.id, batch) if indexed
                         else listing.raw_by_id_in(conn, record.id, batch, columns))
        rows.sort(key=itemgetter(0))  # Radicale's order: sorted() of the hrefs
        work.check_deadline()
        return rows

    def _all_cards_indexed(self, conn: Connection, collection_id: int) -> bool:
        """:func:`all_cards_indexed`, scanned once per collection version: every change
        of an item raises the collection's sync sequence (or its epoch), so a version
        found fully indexed stays so. The version is read in the caller's snapshot."""
        version = conn.execute(select(collections.c.sync_epoch, collections.c.sync_seq)
                               .where(collections.c.id == collection_id)).first()
        if version is None:
            return False
        if self._indexed_at.get(collection_id) == tuple(version):
            return True
        if not all_cards_indexed(conn, collection_id):
            return False
        if len(self._indexed_at) >= INDEXED_VERSIONS:
            self._indexed_at.clear()
        self._indexed_at[collection_id] = tuple(version)
        return True

    def _query(self, request: ListingRequest, renderer: RowRenderer, rows: list[Any]
               ) -> Iterator[bytes]:
        """RFC 6352 §8.6: a response per matching card, as Radicale renders it, rendered
        :data:`SLICE` rows at a time (one check per slice whether the hrefs need quoting
        and the ETags escaping: :meth:`RowRenderer.render_all`)."""
        responses: Iterable[tuple[bool, bytes]] = () if renderer.writer.empty else (
            (True, renderer.render_all(rows[start:start + SLICE]))
            for start in range(0, len(rows), SLICE))
        return ms.report(responses, ms.namespaces_of(request.props))

    def _initial(self, record: CollectionRecord, request: ListingRequest,
                 writer: ms.ResponseWriter, page: sync_pages.Page
                 ) -> Iterator[tuple[bool, bytes]]:
        """An initial sync's names: every item, read by one scan in storage order as a
        multiget of all is (:func:`fast_multiget.scanned`; RFC 6578 §3.5 asks no order
        of the responses), or, for a page of a limited sync (RFC 6578 §3.6) or a
        request for no props, by name."""
        if page.truncated or writer.empty:
            return self._responses(record, request, writer, page.hrefs)
        renderer = RowRenderer(listing.raw_text_column(self.store.engine), writer,
                               request.props, REPORT_PROPS)
        return scanned(self.store, record.id, page.hrefs, renderer)

    def _present(self, record: CollectionRecord, names: list[str]) -> set[str]:
        """Which of ``names`` are items now (metadata only, in batches)."""
        present: set[str] = set()
        for start in range(0, len(names), BATCH):
            present.update(listing.rows_by_href(self.store, record.id,
                                                names[start:start + BATCH], False))
        return present

    def _responses(self, record: CollectionRecord, request: ListingRequest,
                   writer: ms.ResponseWriter, names: list[str]
                   ) -> Iterator[tuple[bool, bytes]]:
        """Items by name in batches, as (carries props, bytes); a name no longer there
        gets Radicale's 404."""
        for start in range(0, len(names), BATCH):
            batch = names[start:start + BATCH]
            found = listing.rows_by_href(self.store, record.id, batch, request.needs_text)
            for name in batch:
                row = found.get(name)
                if row is None:
                    yield False, writer.missing_response(name)
                else:
                    data = writer.found_response(row)
                    yield bool(data), data


def _rest_or_cut(first: bytes, rest: Iterator[bytes], what: str) -> Iterator[bytes]:
    """The answer after its first chunk. If reading fails now, after the status line
    went out, the stream stops where it is: the XML lacks its closing tag (and a gzip
    stream its trailer), and the exception reaches the WSGI server, which closes the
    connection without the last chunk, so no client can take the part for the whole."""
    yield first
    sent = len(first)
    try:
        for chunk in rest:
            yield chunk
            sent += len(chunk)
    except Exception:
        logger.error("%s failed after %d bytes of its answer were sent: the answer is cut "
                     "short (invalid XML) and the connection closed", what, sent,
                     exc_info=True)
        raise


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

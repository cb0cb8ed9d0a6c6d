"""addressbook-/calendar-multiget (RFC 6352 §8.7, RFC 4791 §7.9) answered from the
stored item texts, without Radicale and without its Depth 0 probe.

The fast listing (cms_dav.wsgi.fast_listing) decides which multigets it can answer
exactly (known props, no sub-element filtering, every href a plain item of the
collection: cms_dav.wsgi.listing_request) and asks this module first. Issue 19: a
multiget of all 10k cards cost ~17 µs of CPU per card, of which the Radicale probe,
SQLAlchemy's row wrappers (~5 µs a row) and a closure call per prop per card were the
biggest parts. Here:

- the login must be vouched for by the login cache (:meth:`Authenticator.known`) and
  the ACL policy must grant read on the collection: the same two questions the fast
  GET asks (cms_dav.wsgi.fast_get), with the same answers Radicale's auth and rights
  plugins give. Any other login goes to the probe path, where Radicale verifies it;
- the collection must be an address book or calendar (the report fitting its kind);
- the items are read as plain tuples on a raw DBAPI connection: when the request
  names at least half the collection, by pages of the whole collection in storage order
  (one statement per page of :data:`listing.PAGE` items, no connection held while the
  client reads), else by batches of names; each ``<response>`` is one ``bytes.join``
  of constants worked out once per request and the row's values.

The answer is Radicale's but for the order of the responses: in storage order when
the collection is scanned, then the names not found (404, RFC 4918 §9.2's multistatus),
else the request's order. Radicale's own order is a hash-seeded ``set``'s, which no
client can rely on (tests/wsgi/listing_normalisation.py). The data bytes are the
stored text, as a GET serves it (cms_dav.wsgi.fast_get), XML-escaped.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from typing import Any, Iterator, Sequence

from radicale import xmlutils

from cms_dav import request_context
from cms_dav.acl.policy import Policy
from cms_dav.auth import Authenticator
from cms_dav.store import listing
from cms_dav.store.store import Store
from cms_dav.wsgi import multistatus_stream as ms
from cms_dav.wsgi.listing_request import (ADDRESS_DATA, CALDAV, CALENDAR_DATA, CARDDAV,
                                          GETCONTENTTYPE, GETETAG, ListingRequest)
from cms_dav.wsgi.unmount import basic_credentials


#: the report each collection kind answers
REPORT_OF = {"VADDRESSBOOK": CARDDAV + "addressbook-multiget",
             "VCALENDAR": CALDAV + "calendar-multiget"}
#: names per statement when the request names less than half the collection
BATCH = 500
#: rows per rendered part: ~300 KB of bench cards. A part per page of 1,000 rows
#: (1.2 MB) was copied twice more (chunk framing, the write's join) into freshly mapped
#: memory each time: ~10 ms of CPU per 12 MB against ~1.5 ms in 64-256 KB parts. Each
#: part is one HTTP chunk, and each chunk costs the server a hand-over to its loop and
#: a write, and the client a chunk-size line and a read: at 100k cards 256 rows a part
#: against 64 took ~10-25 % off the server's CPU and ~15 % off the client's (issue 19
#: target 6, round six; no difference beyond the noise at 10k)
SLICE = 256


class RowRenderer:
    """The ``<response>`` of a found item as one ``bytes.join`` of constants worked out
    once per request (from :class:`ms.ResponseWriter`, so the markup is the listings')
    and the row's values; the row holds only the columns the props need
    (:attr:`columns`: reading ``name`` and ``component`` after the text costs SQLite
    as much as the text itself)."""

    def __init__(self, dialect_text: str, writer: ms.ResponseWriter,
                 props: Sequence[str], known: frozenset[str]) -> None:
        self.writer = writer
        self.prefix = writer.prefix.encode()
        found = [clark for clark in props if clark in known]
        #: per value: 0 ETag, 1 content type, 2 item text
        self.kinds = tuple(_KIND[clark] for clark in found)
        columns = ["href"]
        if 0 in self.kinds:
            columns.append("etag")
        if 1 in self.kinds:
            columns += ["name", "component"]
        if 2 in self.kinds:
            columns.append(dialect_text)
        self.columns = ", ".join(columns)
        #: where each kind's value sits in a row
        self.at = {kind: columns.index(column) for kind, column in
                   ((0, "etag"), (1, "name"), (2, dialect_text)) if column in columns}
        constants = [b"<response><href>", writer.after_href]
        for opening, closing, _empty, _value in writer.found:
            constants[-1] += opening
            constants.append(closing)
        constants[-1] += writer.closing
        self.constants = constants
        if self.kinds == (0, 2):  # what DAVx5, iOS and Thunderbird ask for
            self.render = self._etag_and_text  # type: ignore[method-assign]  # same signature
            self.render_all = self._all_etag_and_text  # type: ignore[method-assign]  # same signature
        elif self.kinds == (0,):  # an ETag-only addressbook-query (issue 19 target 4)
            self.render_all = self._all_etags  # type: ignore[method-assign]  # same signature

    def render_all(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """The ``<response>`` of each of ``rows``, in order, as one bytes string."""
        return b"".join([self.render(row) for row in rows])

    def _all_etag_and_text(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """:meth:`render_all` for props (getetag, address-/calendar-data) with no Python
        code run per row (issue 19 target 6, round eight): the rows' columns are split
        by one ``zip``; the hrefs and the ETags are each joined, encoded and split
        again (three C calls for all the rows instead of an ``encode`` per value); the
        texts are checked for ``&<>`` joined (:func:`_plain_texts`); the parts are
        interleaved with the markup by slice assignment before the one ``join``. At
        100k cards: ~50-60 ms against ~120-200 ms for the per-row loop (unpack, two
        ``encode``, three scans of each text, a 7-tuple). :func:`_plain_hrefs_and_etags`
        and :func:`_plain_texts` vouch that nothing needs quoting or escaping, else
        each row is rendered on its own."""
        count = len(rows)
        if not count:
            return b""
        hrefs, etags, texts = zip(*rows, strict=True)
        if not _plain_hrefs_and_etags(hrefs, etags) or not _plain_texts(texts):
            return b"".join([self._etag_and_text(row) for row in rows])
        first, after_href, after_etag, closing = self.constants
        first += self.prefix
        parts = [after_href] * (6 * count + 1)
        parts[0::6] = [closing + first] * (count + 1)
        parts[0], parts[-1] = first, closing  # no row before the first, none after the last
        # the checks vouch for the splits: no "/" in a name, no NUL in an ETag
        parts[1::6] = "/".join(hrefs).encode().split(b"/")
        parts[3::6] = "\0".join(etags).encode().split(b"\0")
        parts[4::6] = [after_etag] * count
        parts[5::6] = texts
        return b"".join(parts)

    def _all_etags(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """:meth:`render_all` for the prop getetag alone: as :meth:`_all_etag_and_text`,
        one ``join`` for all the rows once :func:`_plain_run` vouches for them."""
        if not _plain_run(rows):
            return b"".join([self.render(row) for row in rows])
        first, after_href, closing = self.constants
        first += self.prefix
        parts: list[bytes] = []
        add = parts.extend
        for href, etag in rows:
            add((first, href.encode(), after_href, etag.encode(), closing))
        return b"".join(parts)

    def _etag_and_text(self, row: Sequence[Any]) -> bytes:
        """:meth:`render` for props (getetag, address-/calendar-data), inlined."""
        href, etag, data = row
        etag, data = _escaped(etag, data)
        constants = self.constants
        return b"".join((constants[0], self.prefix + href.encode()
                         if _PLAIN_NAME.fullmatch(href) else self.writer.href(href).encode(),
                         constants[1], etag.encode(), constants[2], data, constants[3]))

    def render(self, row: Sequence[Any]) -> bytes:
        constants = self.constants
        href = row[0]
        parts = [constants[0], self.prefix + href.encode() if _PLAIN_NAME.fullmatch(href)
                 else self.writer.href(href).encode(), constants[1]]
        at = self.at
        for index, kind in enumerate(self.kinds, 2):
            if kind == 2:
                data = row[at[2]]
                parts.append(ms.escape_bytes(data if isinstance(data, bytes) else bytes(data)))
            elif kind == 0:
                parts.append(ms.escape(row[at[0]]).encode())
            else:
                name, component = row[at[1]], row[at[1] + 1]
                value = f"{xmlutils.OBJECT_MIMETYPES[name]};charset={ms.ENCODING}"
                if component:
                    value += f";component={component}"
                parts.append(ms.escape(value).encode())
            parts.append(constants[index])
        return b"".join(parts)


_KIND = {GETETAG: 0, GETCONTENTTYPE: 1, ADDRESS_DATA: 2, CALENDAR_DATA: 2}
#: the props :class:`RowRenderer` renders from stored columns
RENDERED = frozenset(_KIND)
#: names ``quote`` leaves as they are and XML needs no escaping for
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.~-]*")


def _plain_run(rows: Sequence[Sequence[Any]]) -> bool:
    """Every row's href (column 0) is a plain name and no ETag (column 1) holds
    ``&<>``: :func:`_plain_hrefs_and_etags` of the rows' columns."""
    return _plain_hrefs_and_etags([row[0] for row in rows], [row[1] for row in rows])


#: the bytes of :data:`_PLAIN_NAME`'s characters and "/"
_PLAIN_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-/"


def _plain_hrefs_and_etags(hrefs: Sequence[str], etags: Sequence[str]) -> bool:
    """Every href is a plain name (:data:`_PLAIN_NAME`: the writer's prefix + the name
    is its href) and no ETag holds ``&<>`` or a NUL (the separator
    :meth:`RowRenderer._all_etag_and_text` splits on): a few C scans over the joined
    strings. The names' check deletes the plain bytes from the ASCII text
    (``bytes.translate``) instead of a regex ``fullmatch`` (~12 ms at 100k cards)."""
    joined = "/".join(hrefs)
    if not joined.isascii() or joined.count("/") != len(hrefs) - 1 or \
            joined.encode().translate(None, _PLAIN_BYTES):
        return False  # a name with "/" (none is stored) or one to quote
    etags_joined = "".join(etags)
    return not ("&" in etags_joined or "<" in etags_joined or ">" in etags_joined
                or "\0" in etags_joined)


def _plain_texts(texts: Sequence[Any]) -> bool:
    """No text holds ``&<>``: the texts joined (bytes, or the memoryviews psycopg may
    hand, which the final ``join`` takes as they are) and three ``in`` scans of the
    joined ~300 KB. Scanning each ~1.2 KB text three times cost ~4x as much at 100k
    cards (~80 against ~20 ms, the copy included: issue 19 target 6, round eight)."""
    joined = b"".join(texts)
    return not (b"&" in joined or b"<" in joined or b">" in joined)


def _escaped(etag: str, data: bytes | memoryview) -> tuple[str, bytes]:
    """A row's ETag and card text as XML character data (escaped only when they hold a
    markup character, which stored cards rarely do)."""
    if "&" in etag or "<" in etag or ">" in etag:
        etag = ms.escape(etag)
    if not isinstance(data, bytes):
        data = bytes(data)
    if b"&" in data or b"<" in data or b">" in data:
        data = ms.escape_bytes(data)
    return etag, data


class NamePicker:
    """Which rows of a scan of the collection a multiget names, page by page, and at
    the end the names no row had (in the request's order). The scan is in storage
    order (:func:`scanned`), which is href order when the items were
    written in href order (a bulk import of a sorted listing) and random for a book
    of UUID hrefs; any order is picked exactly.

    A multiget of all names every item, and clients send the names in the order a
    sync listed them, which is the scan's: then each page's hrefs are the next names
    of the request, and one list comparison per page (C, on names that lie in memory
    in order) replaces a set lookup and a set removal per row. At 100k cards those
    probes missed the CPU caches on every row: set, lookups and the final pass over
    the names cost ~85 ms of CPU (~6 ms at 10k: the superlinear part of a multiget
    of all, issue 19 target 6). A page that is not the next run of names (an item the
    request does not name, a name with no item) is matched against the names up to
    its last href only, while the scan is seen to be in code point order (the names'
    order): a name the scan has passed has no item. Names not strictly ascending, or
    a scan in another order (a collation other than code point order on PostgreSQL),
    are picked with a set of the names not yet answered from there on: a page all of
    whose hrefs are still wanted (a multiget of all) costs one
    ``symmetric_difference_update`` in C, not a probe in Python per row."""

    def __init__(self, names: Sequence[str], distinct: frozenset[str] | None = None
                 ) -> None:
        """``distinct``: ``names`` as a set, if the request's parse built one (a copy
        of it is the picker's set: copying costs less than hashing the names again)."""
        #: a list: a slice of it is compared with a page's list of hrefs
        self.names = names if isinstance(names, list) else list(names)
        self.distinct = distinct
        #: names before this one are answered or passed over (while ``wanted`` is None)
        self.done = 0
        #: names the scan passed over with no row (while ``wanted`` is None)
        self.skipped: list[str] = []
        #: the scan's last href so far
        self.last: str | None = None
        #: the names not yet answered, once picking by set
        self.wanted: set[str] | None = None
        if not _ascending(self.names):
            self.wanted = self._unanswered()  # by set from the start

    @property
    def wanting(self) -> bool:
        """Some name is not yet answered."""
        if self.wanted is not None:
            return bool(self.wanted)
        return self.done < len(self.names) or bool(self.skipped)

    def pick(self, page: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """The rows of ``page`` (the next rows of the scan, column 0 the href) that
        the request names, in the page's order."""
        if self.wanted is None and page:
            hrefs = [row[0] for row in page]
            end = self.done + len(hrefs)
            if self.names[self.done:end] == hrefs:
                self.done, self.last = end, hrefs[-1]
                return page
            if _ascending(hrefs) and (self.last is None or self.last < hrefs[0]):
                return self._merged(page, hrefs)
            self.wanted = self._unanswered()  # the scan is in another order
            self.skipped = []
        if self.wanted is None:
            return page  # an empty page
        wanted = self.wanted
        hrefs = [row[0] for row in page]
        # every row named (a multiget of all) takes one probe per href, in C: a
        # symmetric difference removes the wanted hrefs and adds the others, so the
        # set shrank by len(hrefs) exactly when all were wanted (a page's hrefs are
        # distinct: one statement, unique per collection). Else the same update again
        # restores the set. An ``issuperset`` then a ``difference_update`` probed twice
        # (100k names: ~30 ms against ~18, issue 19 target 6, round eight).
        before = len(wanted)
        wanted.symmetric_difference_update(hrefs)
        if before - len(wanted) == len(hrefs):
            return page
        wanted.symmetric_difference_update(hrefs)
        found = [row for row in page if row[0] in wanted]
        wanted.difference_update([row[0] for row in found])
        return found

    def _unanswered(self) -> set[str]:
        """The names not yet answered: those the scan passed over with no row and those
        from ``done`` on, as a new set."""
        if self.distinct is not None and 2 * self.done <= len(self.names):
            wanted = set(self.distinct)
            wanted.difference_update(self.names[:self.done])
        else:
            wanted = set(self.names[self.done:])
        wanted.update(self.skipped)
        return wanted

    def _merged(self, page: Sequence[Sequence[Any]], hrefs: list[str]
                ) -> Sequence[Sequence[Any]]:
        """The rows of ``page`` among the names up to its last href (``hrefs``, in code
        point order and after the scan's last href); those without a row are passed
        over."""
        end = bisect.bisect_right(self.names, hrefs[-1], self.done)
        candidates = self.names[self.done:end]
        among = set(candidates)
        found = [row for row in page if row[0] in among]
        if len(found) < len(candidates):
            seen = {row[0] for row in found}
            self.skipped += [name for name in candidates if name not in seen]
        self.done, self.last = end, hrefs[-1]
        return found

    def missing(self) -> Sequence[str]:
        """The names no picked row had, in the request's order."""
        if self.wanted is None:
            return self.skipped + self.names[self.done:]
        wanted = self.wanted
        return [name for name in self.names if name in wanted] if wanted else []


def _ascending(texts: Sequence[str]) -> bool:
    """Strictly ascending in code point order (one C pass)."""
    return all(map(operator.lt, texts, itertools.islice(texts, 1, None)))


class FastMultiget:
    """``store``, ``policy``, ``authenticator``: the App's."""

    def __init__(self, store: Store, policy: Policy, authenticator: Authenticator,
                 calendar_data_limit: int) -> None:
        self.store = store
        self.policy = policy
        self.authenticator = authenticator
        #: past this many events with calendar-data Radicale answers (its own 400)
        self.calendar_data_limit = calendar_data_limit

    def answer(self, environ: dict[str, Any], collection_path: str, root_tag: str,
               request: ListingRequest, base_prefix: str, known: frozenset[str]
               ) -> tuple[list[tuple[str, str]], Iterator[tuple[bool, bytes]]] | None:
        """Headers (before Content-Type and coding) and the responses, or None when
        this module cannot answer exactly (the caller then asks Radicale)."""
        login, password = basic_credentials(environ)
        if not login or not self.authenticator.known(login, password):
            return None
        collection = f"/{collection_path}/"
        if not self.policy.reads_items(login, collection):
            return None
        head = listing.collection_head(self.store, collection_path)
        if head is None or REPORT_OF.get(head.tag) != root_tag:
            return None
        names = list(request.names)
        if head.tag == "VCALENDAR" and request.needs_text and \
                len(names) > self.calendar_data_limit:
            return None
        context = request_context.current()
        if context is not None:
            context.user = login  # as the auth plugin records it (request log)
        writer = ms.ResponseWriter(base_prefix, collection_path, request.props, known)
        if writer.empty:
            return None  # no props: Radicale lists only the missing (rare, the probe path)
        rows = RowRenderer(listing.raw_text_column(self.store.engine), writer,
                           request.props, known)
        if 2 * len(names) >= head.item_count:
            return [], scanned(self.store, head.id, names, rows, request.name_set)
        return [], by_name(self.store, head.id, names, rows)


def scanned(store: Store, collection_id: int, names: list[str], rows: RowRenderer,
            distinct: frozenset[str] | None = None) -> Iterator[tuple[bool, bytes]]:
    """The whole collection by pages in storage order (row id: what the table's
    b-tree holds in sequence, whatever the hrefs), the named items' responses
    :data:`SLICE` rows at a time, then a 404 for each name not found. RFC 4918
    §9.1/RFC 6352 §8.7 ask for a response per href, in no particular order (RFC 6578
    §3.5 neither, for the initial sync-collection that also comes here). Read by
    href, a book of random UUID hrefs (as phones name cards) visited the table's
    pages at random: ~2x the SQL time of a book stored in href order at 100k.

    The ids' runs are worked out first (:func:`listing.raw_id_pages`) and each page
    is read in its own statement, so an item written meanwhile may have a new id or
    none: the names the scan did not find are looked up once more by href before
    they are answered 404."""
    picker = NamePicker(names, distinct)
    for ids in listing.raw_id_pages(store, collection_id):
        if not picker.wanting:
            break
        page = listing.raw_by_ids(store, collection_id, ids, rows.columns)
        found = picker.pick(page)
        for first in range(0, len(found), SLICE):
            yield True, rows.render_all(found[first:first + SLICE])
    missing = list(picker.missing())
    if missing:
        yield from by_name(store, collection_id, missing, rows)


def by_name(store: Store, collection_id: int, names: list[str], rows: RowRenderer
            ) -> Iterator[tuple[bool, bytes]]:
    """The names in the request's order, read in batches of :data:`BATCH`, rendered
    :data:`SLICE` at a time."""
    for start in range(0, len(names), BATCH):
        batch = names[start:start + BATCH]
        found = {row[0]: row for row in listing.raw_by_href(
            store, collection_id, batch, rows.columns)}
        for first in range(0, len(batch), SLICE):
            part = batch[first:first + SLICE]
            yield any(name in found for name in part), b"".join([
                rows.writer.missing_response(name) if name not in found
                else rows.render(found[name]) for name in part])

"""Truncated sync-collection answers (RFC 6578 §3.6) and their continuation tokens.

A page of a sync is one slice, by href, of a fixed set of names: the names changed
between two change numbers ``since`` (exclusive; None for an initial sync: every
item) and ``until`` (inclusive, the collection's change counter when the first page
was asked for). The continuation token carries both numbers and the last name sent::

    <prefix><epoch>-<since>~<until>~<base64url(last href)>      (since empty: initial)

so the next page is "the names of that set after the last one sent, in href order".
An incremental set never moves (change rows up to ``until`` are written; only later
ones come), so every name in it is reported exactly once over the pages, whatever
happens to the collection meanwhile; an initial set is the items there as each page
is read, so an item there throughout is reported exactly once. The last page gives
the plain token of ``until``: what changed after the first page was asked for is
reported by the next sync from there (an item changed meanwhile may be reported
twice, never missed). A continuation is
as valid as its ``since`` token (same epoch, not pruned) and, given to a reader that
does not page (Radicale itself), means its ``since``: a full answer from there.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Connection, select

from cms_dav.store.records import CollectionRecord
from cms_dav.store.schema import changes, items
from cms_dav.store import sync
from cms_dav.store.sync import TOKEN_PREFIX, InvalidSyncToken, make_token, parse_token

_SEP = "~"
#: unpadded base64url, as :meth:`Continuation.token` writes the cursor
_CURSOR = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Continuation:
    epoch: str
    #: changes after this number; None: an initial sync (every item)
    since: int | None
    until: int
    #: the last href already sent
    after: str

    def token(self) -> str:
        since = "" if self.since is None else str(self.since)
        cursor = base64.urlsafe_b64encode(self.after.encode()).decode().rstrip("=")
        return f"{TOKEN_PREFIX}{self.epoch}-{since}{_SEP}{self.until}{_SEP}{cursor}"


@dataclass(frozen=True)
class Page:
    token: str
    hrefs: list[str]
    #: more names follow: the answer carries a 507 for the request-URI
    truncated: bool
    #: the names are items (an initial sync), not changes that may be removals
    initial: bool


def is_continuation(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and _SEP in token


def parse_continuation(token: str) -> Continuation:
    body = token[len(TOKEN_PREFIX):]
    epoch, _, rest = body.partition("-")
    parts = rest.split(_SEP)
    if not epoch or len(parts) != 3 or not parts[1].isdigit() or \
            (parts[0] and not parts[0].isdigit()) or not _CURSOR.fullmatch(parts[2]):
        raise InvalidSyncToken(f"malformed continuation token {token!r}")
    try:
        after = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidSyncToken(f"malformed continuation token {token!r}") from None
    since = int(parts[0]) if parts[0] else None
    until = int(parts[1])
    if since is not None and since > until:
        raise InvalidSyncToken(f"malformed continuation token {token!r}")
    return Continuation(epoch, since, until, after)


def base_token(token: str) -> str:
    """The plain token a continuation resumes from ("" for an initial sync): what a
    reader that answers in full reports from."""
    if not is_continuation(token):
        return token
    continuation = parse_continuation(token)
    if continuation.since is None:
        return ""
    return make_token(continuation.epoch, continuation.since)


def changed_hrefs(conn: Connection, collection: CollectionRecord,
                  token: str) -> tuple[str, Iterable[str]]:
    """:func:`cms_dav.store.sync.changed_hrefs` that also takes a continuation (checked
    like a plain token), answering it in full from where its pages started."""
    if is_continuation(token):
        start = parse_continuation(token)
        _check(collection, start.epoch, start.since, start.until)
    return sync.changed_hrefs(conn, collection, base_token(token))


def page(conn: Connection, collection: CollectionRecord, token: str, limit: int) -> Page:
    """At most ``limit`` names of the sync from ``token`` (plain or continuation)."""
    if is_continuation(token):
        start = parse_continuation(token)
        _check(collection, start.epoch, start.since, start.until)
    else:
        since = None
        if token:
            epoch, since = parse_token(token)
            _check(collection, epoch, since, collection.sync_seq)
        start = Continuation(collection.sync_epoch, since, collection.sync_seq, "")
    hrefs = _names_after(conn, collection.id, start, limit + 1)
    initial = start.since is None
    if len(hrefs) <= limit:
        return Page(make_token(start.epoch, start.until), hrefs, False, initial)
    hrefs = hrefs[:limit]
    after = Continuation(start.epoch, start.since, start.until, hrefs[-1])
    return Page(after.token(), hrefs, True, initial)


def _check(collection: CollectionRecord, epoch: str, since: int | None, until: int) -> None:
    """The same validity rules as a plain token (cms_dav.store.sync.changed_hrefs)."""
    if epoch != collection.sync_epoch:
        raise InvalidSyncToken("sync token is from another incarnation of this collection")
    if until > collection.sync_seq:
        raise InvalidSyncToken("sync token is from the future")
    if since is not None and since < collection.sync_floor:
        raise InvalidSyncToken("sync token has expired")


def _names_after(conn: Connection, collection_id: int, start: Continuation,
                 count: int) -> list[str]:
    """The first ``count`` names of the page's fixed set after ``start.after``."""
    if start.since is None:
        query = (select(items.c.href)
                 .where(items.c.collection_id == collection_id, items.c.href > start.after)
                 .order_by(items.c.href))
    else:
        query = (select(changes.c.href).distinct()
                 .where(changes.c.collection_id == collection_id,
                        changes.c.seq > start.since, changes.c.seq <= start.until,
                        changes.c.href > start.after)
                 .order_by(changes.c.href))
    return list(conn.execute(query.limit(count)).scalars())

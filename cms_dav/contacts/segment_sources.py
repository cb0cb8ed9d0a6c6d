"""What a segment (issue 14 item 3) is made of, read in the caller's transaction: the
source books a viewer may read, which of their cards match, and the copy of a card as
the segment book holds it. Shared by the full rebuild
(:mod:`cms_dav.contacts.segments`) and the per-write upkeep
(:mod:`cms_dav.contacts.segment_hook`), so both agree on membership by construction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from cms_dav.acl.generated import MARKER
from cms_dav.contacts.condition_query import matching_ids
from cms_dav.contacts.conditions import BoundCondition
from cms_dav.contacts.query import Book
from cms_dav.store.records import ItemData, ItemRecord
from cms_dav.store.schema import collections
from cms_dav.store.segment_table import SegmentRecord

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy

#: the marker value's prefix (``segment:NAME``)
PREFIX = "segment:"
#: who the audit trail and history name for the copies a segment writes
ACTOR = "cms-dav:segment"


def marker_value(name: str) -> str:
    return PREFIX + name


def is_segment_marker(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX)


@dataclass(frozen=True)
class Source:
    path: str
    id: int
    sync_epoch: str

    @property
    def book(self) -> Book:
        return Book(self.id, self.path)


def viewers(policy: Policy, record: SegmentRecord) -> list[str]:
    """Whose homes the segment is published in (the owner, or each group member)."""
    kind, _, who = record.owner.partition(":")
    if kind == "user":
        return [who]
    return sorted(policy.rules().groups.get(who, frozenset()))


def source_books(conn: Connection, record: SegmentRecord) -> list[Source]:
    """The segment's existing source books, in path order (the order that decides which
    copy wins when two sources hold one UID)."""
    query = select(collections.c.id, collections.c.path, collections.c.sync_epoch,
                   collections.c.props).where(
        collections.c.tag == "VADDRESSBOOK", collections.c.path.in_(record.sources))
    rows = conn.execute(query.order_by(collections.c.path)).all()
    return [Source(row.path, row.id, row.sync_epoch) for row in rows
            if MARKER not in (row.props or "")]


def readable(policy: Policy, viewer: str, sources: list[Source]) -> list[Source]:
    """Those of ``sources`` that ``viewer`` may read by the ACL."""
    return [s for s in sources if "r" in policy.authorization(viewer, f"/{s.path}/").lower()]


def readable_sources(conn: Connection, policy: Policy, viewer: str,
                     record: SegmentRecord) -> list[Source]:
    """The segment's source books ``viewer`` may read, in path order."""
    return readable(policy, viewer, source_books(conn, record))


def where_of(record: SegmentRecord) -> tuple[str, ...]:
    """The segment's ``--where`` condition texts."""
    where = record.filters.get("where")
    return tuple(str(w) for w in where) if isinstance(where, list) else ()


def matching(conn: Connection, record: SegmentRecord, sources: list[Source],
             bound: list[BoundCondition], among: Collection[int] | None = None) -> set[int]:
    """Item ids of the sources' cards meeting the segment's filter, answered from the
    index (``among``: only these ids are asked about)."""
    filters = record.filters
    since = filters.get("since_seconds")
    seconds = float(since) if isinstance(since, (int, float)) and since else None
    return matching_ids(conn, [s.book for s in sources], bound,
                        category=_text(filters.get("category")),
                        city=_text(filters.get("city")), not_contacted_for=seconds,
                        among=among)


def copy_of(item: ItemRecord) -> ItemData:
    """The segment's copy of a source card: same text, UID and ETag."""
    assert item.text is not None
    return ItemData(text=item.text, uid=item.uid, etag=item.etag, name=item.name,
                    component=item.component, time_start=item.time_start,
                    time_end=item.time_end)


def aside_name(source: Source, href: str) -> str:
    """The copy's name when another card of the segment holds ``href`` already."""
    return f"{source.path.replace('/', '-')}-{href}"


def _text(value: object) -> str | None:
    return str(value) if value else None

"""Rows of ``segments`` (saved filters, issue 14 item 3): read and written in the
caller's transaction; :class:`cms_dav.store.store.Store` audits the writes."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from cms_dav.store.raw import RawStatement
from cms_dav.store.schema import segments


@dataclass(frozen=True)
class SegmentRecord:
    name: str
    #: ``user:NAME`` or ``group:NAME``
    owner: str
    #: stored paths of the source address books (no slashes around)
    sources: tuple[str, ...]
    #: ``where`` (list of condition texts), ``category``, ``city``, ``since`` (text),
    #: ``since_seconds``
    filters: dict[str, object] = field(default_factory=dict)
    created_at: float = 0.0


def _record(row: Row[Any]) -> SegmentRecord:
    return SegmentRecord(name=row.name, owner=row.owner, sources=tuple(json.loads(row.sources)),
                         filters=dict(json.loads(row.filters)), created_at=row.created_at)


def get(conn: Connection, name: str) -> SegmentRecord | None:
    row = conn.execute(select(segments).where(segments.c.name == name)).first()
    return _record(row) if row is not None else None


#: read by every write into an address book (the segment hook): built once, run as
#: plain DB-API (:mod:`cms_dav.store.raw`; issue 19: the last statement of a new card's
#: write through SQLAlchemy's execution layer)
_ALL = RawStatement(select(segments.c.name, segments.c.owner, segments.c.sources,
                           segments.c.filters, segments.c.created_at
                           ).order_by(segments.c.name))


def all_segments(conn: Connection) -> list[SegmentRecord]:
    return [SegmentRecord(name=name, owner=owner, sources=tuple(json.loads(sources)),
                          filters=dict(json.loads(filters)), created_at=created_at)
            for name, owner, sources, filters, created_at in _ALL.execute(conn, {})]


def put(conn: Connection, record: SegmentRecord) -> None:
    conn.execute(delete(segments).where(segments.c.name == record.name))
    conn.execute(segments.insert().values(
        name=record.name, owner=record.owner, sources=json.dumps(list(record.sources)),
        filters=json.dumps(record.filters, sort_keys=True, ensure_ascii=False),
        created_at=record.created_at or time.time()))


def remove(conn: Connection, name: str) -> bool:
    return conn.execute(delete(segments).where(segments.c.name == name)).rowcount > 0

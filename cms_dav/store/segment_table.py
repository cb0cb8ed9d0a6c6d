"""Rows of ``segments`` (saved filters, issue 14 item 3): read and written in the
caller's transaction; :class:`cms_dav.store.store.Store` audits the writes."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, delete, select

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


#: read by every write into an address book (the segment hook): built once
_ALL = select(segments).order_by(segments.c.name)


def all_segments(conn: Connection) -> list[SegmentRecord]:
    return [_record(row) for row in conn.execute(_ALL)]


def put(conn: Connection, record: SegmentRecord) -> None:
    conn.execute(delete(segments).where(segments.c.name == record.name))
    conn.execute(segments.insert().values(
        name=record.name, owner=record.owner, sources=json.dumps(list(record.sources)),
        filters=json.dumps(record.filters, sort_keys=True, ensure_ascii=False),
        created_at=record.created_at or time.time()))


def remove(conn: Connection, name: str) -> bool:
    return conn.execute(delete(segments).where(segments.c.name == name)).rowcount > 0

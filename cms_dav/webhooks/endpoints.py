"""The webhook endpoints table and the attempt log (``cms-dav webhook list|log``)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import Connection, Engine, delete, select, update

from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.raw import RawStatement
from cms_dav.store.schema import webhook_attempts, webhook_endpoints

#: longest error text kept per attempt
MAX_ERROR = 500


@dataclass(frozen=True)
class Endpoint:
    """One registered endpoint; ``owner`` "" is the local admin (every collection)."""

    id: int
    url: str
    secret: str
    events: tuple[str, ...]
    collection: str
    owner: str
    created_at: float
    failed_events: int
    disabled_at: float | None
    disabled_reason: str

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    def wants(self, kind: str, collection: str) -> bool:
        """Whether an event of ``kind`` about ``collection`` is for this endpoint."""
        return (self.enabled and kind in self.events
                and (not self.collection or collection == self.collection))

    def as_dict(self) -> dict[str, Any]:
        """What ``webhook list`` shows: everything but the secret."""
        return {"id": self.id, "url": self.url, "events": list(self.events),
                "collection": self.collection, "owner": self.owner,
                "created_at": self.created_at, "enabled": self.enabled,
                "failed_events": self.failed_events, "disabled_at": self.disabled_at,
                "disabled_reason": self.disabled_reason}

    @classmethod
    def from_row(cls, row: Any) -> "Endpoint":
        return cls(id=row.id, url=row.url, secret=row.secret,
                   events=tuple(json.loads(row.events)), collection=row.collection,
                   owner=row.owner, created_at=row.created_at,
                   failed_events=row.failed_events, disabled_at=row.disabled_at,
                   disabled_reason=row.disabled_reason)


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt as the log shows it."""

    endpoint_id: int
    event_id: int
    event_kind: str
    attempt: int
    at: float
    status: int
    error: str
    duration_ms: float
    result: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def add(engine: Engine, url: str, secret: str, events: Sequence[str], collection: str,
        owner: str) -> int:
    with write_tx(engine) as conn:
        return int(conn.execute(webhook_endpoints.insert().values(
            url=url, secret=secret, events=json.dumps(list(events)), collection=collection,
            owner=owner, created_at=time.time(), failed_events=0, disabled_reason="")
            .returning(webhook_endpoints.c.id)).scalar_one())


#: asked by every write (the outbox's route check): built once, plain DB-API (issue 19)
_ANY_ENABLED = RawStatement(select(webhook_endpoints.c.id)
                            .where(webhook_endpoints.c.disabled_at.is_(None)).limit(1))


def any_enabled(conn: Connection) -> bool:
    return bool(_ANY_ENABLED.execute(conn, {}))


def enabled(conn: Connection) -> list[Endpoint]:
    rows = conn.execute(select(webhook_endpoints)
                        .where(webhook_endpoints.c.disabled_at.is_(None)))
    return [Endpoint.from_row(row) for row in rows]


def get(engine: Engine, endpoint_id: int) -> Endpoint | None:
    with read_tx(engine) as conn:
        row = conn.execute(select(webhook_endpoints)
                           .where(webhook_endpoints.c.id == endpoint_id)).first()
    return Endpoint.from_row(row) if row is not None else None


def every(engine: Engine) -> list[Endpoint]:
    with read_tx(engine) as conn:
        rows = conn.execute(select(webhook_endpoints).order_by(webhook_endpoints.c.id))
        return [Endpoint.from_row(row) for row in rows]


def remove(engine: Engine, endpoint_id: int) -> bool:
    with write_tx(engine) as conn:
        done = conn.execute(delete(webhook_endpoints)
                            .where(webhook_endpoints.c.id == endpoint_id))
        return bool(done.rowcount)


def set_enabled(engine: Engine, endpoint_id: int) -> bool:
    """Enable a disabled endpoint again, its failure count reset."""
    with write_tx(engine) as conn:
        done = conn.execute(update(webhook_endpoints)
                            .where(webhook_endpoints.c.id == endpoint_id)
                            .values(disabled_at=None, disabled_reason="", failed_events=0))
        return bool(done.rowcount)


def event_delivered(engine: Engine, endpoint_id: int) -> None:
    """A 2xx ends a run of failed events."""
    with write_tx(engine) as conn:
        conn.execute(update(webhook_endpoints)
                     .where(webhook_endpoints.c.id == endpoint_id,
                            webhook_endpoints.c.failed_events != 0)
                     .values(failed_events=0))


def event_failed(engine: Engine, endpoint_id: int, disable_after: int, reason: str) -> bool:
    """One more event given up in a row; True when that disabled the endpoint."""
    with write_tx(engine) as conn:
        failed = conn.execute(update(webhook_endpoints)
                              .where(webhook_endpoints.c.id == endpoint_id)
                              .values(failed_events=webhook_endpoints.c.failed_events + 1)
                              .returning(webhook_endpoints.c.failed_events)).scalar()
        if failed is None or failed < disable_after:
            return False
        conn.execute(update(webhook_endpoints)
                     .where(webhook_endpoints.c.id == endpoint_id,
                            webhook_endpoints.c.disabled_at.is_(None))
                     .values(disabled_at=time.time(),
                             disabled_reason=f"{failed} events failed in a row; "
                                             f"last: {reason}"[:256]))
        return True


def log_attempt(engine: Engine, attempt: Attempt) -> None:
    with write_tx(engine) as conn:
        values = attempt.as_dict()
        values["error"] = attempt.error[:MAX_ERROR]
        conn.execute(webhook_attempts.insert().values(values))


def attempts(engine: Engine, endpoint_id: int | None, limit: int) -> list[Attempt]:
    """The newest ``limit`` attempts (of one endpoint), oldest first."""
    query = select(webhook_attempts).order_by(webhook_attempts.c.id.desc()).limit(limit)
    if endpoint_id is not None:
        query = query.where(webhook_attempts.c.endpoint_id == endpoint_id)
    with read_tx(engine) as conn:
        rows = list(conn.execute(query))
    return [Attempt(endpoint_id=row.endpoint_id, event_id=row.event_id,
                    event_kind=row.event_kind, attempt=row.attempt, at=row.at,
                    status=row.status, error=row.error, duration_ms=row.duration_ms,
                    result=row.result) for row in reversed(rows)]


def prune_attempts(engine: Engine, older_than: float) -> None:
    with write_tx(engine) as conn:
        conn.execute(delete(webhook_attempts).where(webhook_attempts.c.at < older_than))

"""Claiming and finishing deliveries: at most one claimant per row at a time, across
processes and nodes.

A claim sets ``claimed_until`` (a lease) on a due, pending row in one write transaction:
PostgreSQL picks the row ``FOR UPDATE SKIP LOCKED`` so two nodes never wait on or take
the same row; SQLite serializes write transactions (``BEGIN IMMEDIATE``), which is as
good. A claimant that dies (SIGKILL) leaves its lease to expire, and the row is claimed
again: an event is delivered at least once, and receivers deduplicate by event id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, exists, select, update

from cms_dav.outbox.events import OutboxEvent
from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.schema import outbox_deliveries as deliveries
from cms_dav.store.schema import outbox_events as events

PENDING, DELIVERED, FAILED, DROPPED = "pending", "delivered", "failed", "dropped"
#: longest error text kept on a delivery row
MAX_ERROR = 500


@dataclass(frozen=True)
class Delivery:
    """One claimed (event, target) pair; ``attempt`` counts from 1; ``holder`` claimed it."""

    id: int
    consumer: str
    target: str
    attempt: int
    event: OutboxEvent
    holder: str = ""


def claim(engine: Engine, consumer: str, holder: str, lease_seconds: float,
          now: float | None = None) -> Delivery | None:
    """The oldest due delivery of ``consumer``, leased to ``holder``; None when none is."""
    now = time.time() if now is None else now
    due = (deliveries.c.consumer == consumer, deliveries.c.state == PENDING,
           deliveries.c.next_at <= now, deliveries.c.claimed_until <= now)
    # an idle dispatcher polls every second per sender in every worker: a read first,
    # so that a poll that finds nothing takes no write lock (on SQLite a writer,
    # e.g. a PUT under its book's lock, would wait for it; issue 19)
    with read_tx(engine) as conn:
        if conn.execute(select(deliveries.c.id).where(*due).limit(1)).first() is None:
            return None
    with write_tx(engine) as conn:
        row = conn.execute(
            select(deliveries.c.id, deliveries.c.target, deliveries.c.attempts)
            .where(*due)
            .order_by(deliveries.c.next_at, deliveries.c.id).limit(1)
            .with_for_update(skip_locked=True)).first()
        if row is None:
            return None
        conn.execute(update(deliveries).where(deliveries.c.id == row.id)
                     .values(claimed_until=now + lease_seconds, claimed_by=holder))
        event_row = conn.execute(select(events).join(
            deliveries, deliveries.c.event_id == events.c.id)
            .where(deliveries.c.id == row.id)).one()
    return Delivery(id=row.id, consumer=consumer, target=row.target,
                    attempt=row.attempts + 1, event=OutboxEvent.from_row(event_row),
                    holder=holder)


def finish(engine: Engine, delivery: Delivery, state: str, error: str = "",
           next_at: float = 0.0, now: float | None = None) -> bool:
    """Record the attempt: ``state`` PENDING retries at ``next_at``; the others are final.
    False (nothing recorded) when the claim was lost: the lease ran out and another
    claimant holds or finished the row."""
    now = time.time() if now is None else now
    values: dict[str, object] = {"state": state, "attempts": delivery.attempt,
                                 "claimed_until": 0.0, "claimed_by": "",
                                 "last_error": error[:MAX_ERROR]}
    if state == PENDING:
        values["next_at"] = next_at
    else:
        values["finished_at"] = now
    with write_tx(engine) as conn:
        done = conn.execute(update(deliveries).where(
            deliveries.c.id == delivery.id, deliveries.c.claimed_by == delivery.holder,
            deliveries.c.state == PENDING).values(values))
        return bool(done.rowcount)


def drop_pending(engine: Engine, consumer: str, target: str, reason: str) -> int:
    """Give up every pending delivery to one target (an endpoint removed or disabled)."""
    with write_tx(engine) as conn:
        done = conn.execute(update(deliveries).where(
            deliveries.c.consumer == consumer, deliveries.c.target == target,
            deliveries.c.state == PENDING).values(
            state=DROPPED, finished_at=time.time(), last_error=reason[:MAX_ERROR]))
        return done.rowcount or 0


def prune(engine: Engine, older_than: float, batch: int = 500) -> int:
    """Remove up to ``batch`` events created before ``older_than`` that nothing still
    waits to deliver (with their finished deliveries)."""
    with write_tx(engine) as conn:
        still_pending = exists().where(and_(deliveries.c.event_id == events.c.id,
                                            deliveries.c.state == PENDING))
        ids = list(conn.execute(select(events.c.id).where(
            events.c.created_at < older_than, ~still_pending).limit(batch)).scalars())
        if not ids:
            return 0
        conn.execute(delete(deliveries).where(deliveries.c.event_id.in_(ids)))
        conn.execute(delete(events).where(events.c.id.in_(ids)))
        return len(ids)

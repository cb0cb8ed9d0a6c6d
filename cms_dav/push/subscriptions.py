"""The subscriptions table: register (or renew), look up, unregister, expire.

A subscription is keyed by its random id (the last segment of its URL). Registering
the same push resource again for the same user and collection renews and updates that
row (the draft: re-registration updates), so a client that re-registers every few days
keeps one URL. Expired rows are ignored everywhere and deleted by :func:`prune`.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, select, update

from cms_dav.push.xml import Registration
from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.raw import RawStatement
from cms_dav.store.schema import push_subscriptions as table


class TooManySubscriptions(Exception):
    """The user holds ``[push] max_subscriptions`` already."""


@dataclass(frozen=True)
class Subscription:
    id: str
    user: str
    collection: str
    push_resource: str
    public_key: str
    auth_secret: str
    expires_at: float
    last_sent_at: float

    @classmethod
    def from_row(cls, row: Any) -> "Subscription":
        return cls(row.id, row.user, row.collection, row.push_resource, row.public_key,
                   row.auth_secret, row.expires_at, row.last_sent_at)


def register(engine: Engine, user: str, collection: str, registration: Registration,
             expires_at: float, limit: int) -> tuple[Subscription, bool]:
    """Store (or renew) ``user``'s subscription to ``collection``; it and whether it is new."""
    now = time.time()
    values = {"public_key": registration.public_key,
              "auth_secret": registration.auth_secret, "expires_at": expires_at}
    with write_tx(engine) as conn:
        same = conn.execute(select(table.c.id).where(
            table.c.user == user, table.c.collection == collection,
            table.c.push_resource == registration.push_resource)).scalar()
        if same is not None:
            conn.execute(update(table).where(table.c.id == same).values(**values))
            return _get(conn, str(same)), False
        held = conn.execute(select(func.count()).select_from(table).where(
            table.c.user == user, table.c.expires_at > now)).scalar_one()
        if held >= limit:
            raise TooManySubscriptions(f"user holds {held} push subscriptions already "
                                       f"(at most {limit}); unregister some first")
        new_id = secrets.token_urlsafe(24)
        conn.execute(table.insert().values(
            id=new_id, user=user, collection=collection,
            push_resource=registration.push_resource, created_at=now, last_sent_at=0.0,
            **values))
        return _get(conn, new_id), True


def _get(conn: Connection, subscription_id: str) -> Subscription:
    return Subscription.from_row(conn.execute(
        select(table).where(table.c.id == subscription_id)).one())


def get(engine: Engine, subscription_id: str) -> Subscription | None:
    """The live subscription ``subscription_id``; None when unknown or expired."""
    with read_tx(engine) as conn:
        row = conn.execute(select(table).where(
            table.c.id == subscription_id, table.c.expires_at > time.time())).first()
    return Subscription.from_row(row) if row is not None else None


def unregister(engine: Engine, subscription_id: str) -> None:
    with write_tx(engine) as conn:
        conn.execute(delete(table).where(table.c.id == subscription_id))


def any_exist(conn: Connection) -> bool:
    """Whether anybody subscribed at all (one indexed look; expired rows count until
    they are pruned, which only costs an event nobody is sent)."""
    return bool(_ANY.execute(conn, {}))


#: asked by every write (the outbox's route check): built once, plain DB-API (issue 19)
_ANY = RawStatement(select(table.c.id).limit(1))


def live_for(conn: Connection, collection: str, now: float) -> list[Subscription]:
    """The unexpired subscriptions to ``collection`` (in the caller's transaction)."""
    return [Subscription.from_row(row) for row in conn.execute(
        select(table).where(and_(table.c.collection == collection,
                                 table.c.expires_at > now)))]


def live_of(conn: Connection, users: list[str], now: float) -> list[Subscription]:
    """The unexpired subscriptions held by ``users``, oldest first (in the caller's
    transaction)."""
    if not users:
        return []
    return [Subscription.from_row(row) for row in conn.execute(
        select(table).where(table.c.user.in_(users), table.c.expires_at > now)
        .order_by(table.c.created_at, table.c.id))]


def sent(engine: Engine, subscription_id: str, at: float) -> None:
    with write_tx(engine) as conn:
        conn.execute(update(table).where(table.c.id == subscription_id)
                     .values(last_sent_at=at))


def prune(engine: Engine, now: float) -> int:
    """Delete expired subscriptions; how many."""
    with write_tx(engine) as conn:
        return int(conn.execute(delete(table).where(table.c.expires_at <= now)).rowcount)

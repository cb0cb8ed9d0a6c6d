"""SQL for the web app's sessions (table ``web_sessions``), in the caller's transaction.

Plumbing only: :mod:`cms_dav.web.sessions` makes the ids and decides when a session is
over (idle and absolute timeouts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, or_, select, update

from cms_dav.store.schema import web_sessions as table


@dataclass(frozen=True)
class SessionRow:
    lookup: str
    user_name: str
    scope: str
    began: float
    seen: float


def insert(conn: Connection, row: SessionRow) -> None:
    conn.execute(table.insert().values(lookup=row.lookup, user_name=row.user_name,
                                       scope=row.scope, began=row.began, seen=row.seen))


def by_lookup(conn: Connection, lookup: str) -> SessionRow | None:
    """The session of an id's hash: one SELECT on the primary key."""
    row = conn.execute(select(table).where(table.c.lookup == lookup)).first()
    return SessionRow(**row._mapping) if row is not None else None


def touch(conn: Connection, lookup: str, now: float, interval: float) -> None:
    """Set ``seen`` unless it was set less than ``interval`` seconds ago (the condition
    is in the UPDATE: a page view does not write on every request)."""
    conn.execute(update(table).where(table.c.lookup == lookup, table.c.seen <= now - interval)
                 .values(seen=now))


def forget(conn: Connection, lookup: str) -> int:
    """End one session (sign-out)."""
    return conn.execute(delete(table).where(table.c.lookup == lookup)).rowcount


def forget_user(conn: Connection, user: str) -> int:
    """End every session of ``user`` (password changed, user removed)."""
    return conn.execute(delete(table).where(table.c.user_name == user)).rowcount


def purge(conn: Connection, now: float, idle: float, absolute: float) -> int:
    """Delete the sessions that are over, however they ended."""
    return conn.execute(delete(table).where(or_(table.c.seen < now - idle,
                                                table.c.began < now - absolute))).rowcount

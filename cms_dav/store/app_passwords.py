"""SQL for app passwords (table ``app_passwords``), in the caller's transaction.

Plumbing only: :mod:`cms_dav.auth.app_passwords` makes the secrets and decides what a
row means (live, expired, revoked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, or_, select, update

from cms_dav.store.schema import app_passwords as table


@dataclass(frozen=True)
class AppPasswordRow:
    id: int
    user_name: str
    name: str
    scope: str
    lookup: str
    secret_hash: str
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    revoked_at: float | None


def _row(row: Row[Any]) -> AppPasswordRow:
    return AppPasswordRow(**row._mapping)


def by_lookup(conn: Connection, lookup: str) -> AppPasswordRow | None:
    """The row of a token's public part: one SELECT on a unique index."""
    row = conn.execute(select(table).where(table.c.lookup == lookup)).first()
    return _row(row) if row is not None else None


def by_name(conn: Connection, user: str, name: str) -> AppPasswordRow | None:
    row = conn.execute(select(table).where(table.c.user_name == user,
                                           table.c.name == name)).first()
    return _row(row) if row is not None else None


def of_user(conn: Connection, user: str) -> list[AppPasswordRow]:
    query = select(table).where(table.c.user_name == user).order_by(table.c.created_at,
                                                                     table.c.id)
    return [_row(row) for row in conn.execute(query)]


def insert(conn: Connection, *, user: str, name: str, scope: str, lookup: str,
           secret_hash: str, created_at: float, expires_at: float | None) -> None:
    conn.execute(table.insert().values(
        user_name=user, name=name, scope=scope, lookup=lookup, secret_hash=secret_hash,
        created_at=created_at, expires_at=expires_at, last_used_at=None, revoked_at=None))


def forget(conn: Connection, row_id: int) -> None:
    conn.execute(delete(table).where(table.c.id == row_id))


def forget_user(conn: Connection, user: str) -> int:
    """Delete every app password of ``user`` (the login was removed)."""
    return conn.execute(delete(table).where(table.c.user_name == user)).rowcount


def revoke(conn: Connection, row_id: int, now: float) -> None:
    conn.execute(update(table).where(table.c.id == row_id, table.c.revoked_at.is_(None))
                 .values(revoked_at=now))


def touch(conn: Connection, row_id: int, now: float, interval: float) -> None:
    """Set ``last_used_at`` unless it was set less than ``interval`` seconds ago (the
    condition is in the UPDATE, so two processes never both write within it)."""
    conn.execute(update(table).where(
        table.c.id == row_id,
        or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - interval))
        .values(last_used_at=now))

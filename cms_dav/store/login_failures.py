"""SQL for the failed-login counters (table ``login_failures``).

Plumbing only: :mod:`cms_dav.auth.throttle` decides what is counted and when a key is
locked. Every write is one upsert per key (``INSERT ... ON CONFLICT DO UPDATE``, on
SQLite and PostgreSQL alike), so two processes counting the same key never lose a
failure or collide on the primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Connection, Row, and_, case, delete, func, or_, select, tuple_

from cms_dav.store.schema import login_failures as table

Key = tuple[str, str, str]  # (kind, user_name, address)


@dataclass(frozen=True)
class Counter:
    kind: str
    user_name: str
    address: str
    failures: int
    first_at: float
    last_at: float
    locked_until: float

    @property
    def key(self) -> Key:
        return (self.kind, self.user_name, self.address)


def _counter(row: Row[Any]) -> Counter:
    return Counter(**row._mapping)


def read(conn: Connection, keys: Iterable[Key]) -> dict[Key, Counter]:
    wanted = list(keys)
    query = select(table).where(
        tuple_(table.c.kind, table.c.user_name, table.c.address).in_(wanted))
    return {counter.key: counter for counter in map(_counter, conn.execute(query))}


def _dialect_insert(dialect: str) -> Any:
    """The dialect's ``insert`` (with ON CONFLICT), imported for that dialect only: on
    SQLite, importing the PostgreSQL dialect cost every ``cms-dav`` command ~50 ms."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def count_failure(conn: Connection, key: Key, now: float, window: float, threshold: int,
                  lockout_seconds: float) -> Counter:
    """Add one failure to ``key`` and return the counter after it.

    A counter whose lockout ended, or that saw no failure for ``window`` seconds,
    starts again at 1. ``threshold`` 0 never locks."""
    kind, user_name, address = key
    insert = _dialect_insert(conn.dialect.name)(table)
    first_lock = now + lockout_seconds if threshold == 1 else 0.0
    stmt = insert.values(kind=kind, user_name=user_name, address=address, failures=1,
                         first_at=now, last_at=now, locked_until=first_lock)
    stale = or_(and_(table.c.locked_until > 0, table.c.locked_until <= now),
                and_(table.c.locked_until == 0, table.c.last_at <= now - window))
    failures = case((stale, 1), else_=table.c.failures + 1)
    if threshold > 0:
        locked = case((and_(~stale, table.c.locked_until > now), table.c.locked_until),
                      (failures >= threshold, now + lockout_seconds), else_=0.0)
    else:
        locked = case((and_(~stale, table.c.locked_until > now), table.c.locked_until),
                      else_=0.0)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.user_name, table.c.address],
        set_=dict(failures=failures, first_at=case((stale, now), else_=table.c.first_at),
                  last_at=now, locked_until=locked))
    row = conn.execute(stmt.returning(*table.c)).one()
    return _counter(row)


def forget(conn: Connection, keys: Iterable[Key]) -> int:
    wanted = list(keys)
    if not wanted:
        return 0
    result = conn.execute(delete(table).where(
        tuple_(table.c.kind, table.c.user_name, table.c.address).in_(wanted)))
    return result.rowcount or 0


def of_user(conn: Connection, user_name: str) -> list[Counter]:
    """The account and every (user, network) counter of ``user_name``."""
    query = (select(table).where(table.c.user_name == user_name,
                                 table.c.kind.in_(("pair", "account")))
             .order_by(table.c.last_at.desc()))
    return [_counter(row) for row in conn.execute(query)]


def forget_user(conn: Connection, user_name: str, address: str | None) -> list[Counter]:
    """Delete the user's counters (only the pair with ``address`` when given)."""
    doomed = [c for c in of_user(conn, user_name)
              if address is None or (c.kind == "pair" and c.address == address)]
    forget(conn, [c.key for c in doomed])
    return doomed


def prune(conn: Connection, now: float, window: float, max_rows: int) -> int:
    """Drop counters that can no longer matter, then the oldest unlocked ones past
    ``max_rows`` (locked ones last), so a flood of names or addresses stays bounded."""
    removed = conn.execute(delete(table).where(
        table.c.last_at <= now - window, table.c.locked_until <= now)).rowcount or 0
    total = conn.execute(select(func.count()).select_from(table)).scalar_one()
    excess = total - max_rows
    if excess > 0:
        oldest = (select(table.c.kind, table.c.user_name, table.c.address)
                  .order_by((table.c.locked_until > now).asc(), table.c.last_at.asc())
                  .limit(excess))
        victims: list[Key] = [(row.kind, row.user_name, row.address)
                              for row in conn.execute(oldest)]
        removed += forget(conn, victims)
    return removed

"""A SQLAlchemy engine for one database URL, tuned per backend.

There is no process-wide registry: :func:`cms_dav.app.build_app` creates the one engine
of an App and hands it to every service (store, ACL, shares, login throttle);
``App.close()`` disposes it.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@dataclass(frozen=True)
class PoolLimits:
    """``[storage] pool_size``, ``pool_overflow``, ``pool_timeout``: the PostgreSQL
    connections of ONE process. Several worker processes and nodes each have their own
    pool, so the database sees up to processes x nodes x (size + overflow)."""

    size: int = 10
    overflow: int = 10
    timeout: float = 30.0


def open_engine(url: str, *, background_checkpoints: bool = False,
                pool: PoolLimits = PoolLimits(), pooled: bool = True) -> Engine:
    """A new engine for ``url``. ``background_checkpoints`` (SQLite, ``cms-dav serve``):
    its connections leave WAL checkpoints to :mod:`cms_dav.store.checkpoint`.
    ``pool``: PostgreSQL pool limits. ``pooled=False``: no connection outlives its use
    (the supervisor of several workers, which forks and must hold none)."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": 60, "check_same_thread": False}
        if pooled:
            engine = create_engine(url, pool_size=16, max_overflow=16, pool_timeout=60,
                                   connect_args=connect_args)
        else:
            engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        _tune_sqlite(engine, background_checkpoints)
        return engine
    if not pooled:
        return create_engine(url, poolclass=NullPool)
    return create_engine(url, pool_size=pool.size, max_overflow=pool.overflow,
                         pool_timeout=pool.timeout, pool_pre_ping=True)


_BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
_BEGIN_DEFERRED = "BEGIN DEFERRED"


def _tune_sqlite(engine: Engine, background_checkpoints: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let us issue BEGIN ourselves: pysqlite's implicit transactions cannot
        # take the write lock up front, which turns concurrent writers into deadlocks.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk (WAL fsync) before the PUT is acknowledged.
        cursor.execute("PRAGMA synchronous=FULL")
        # a whole-collection PUT of 100k cards grows the WAL past 1 GB; without a
        # limit the file keeps that size after its checkpoint
        cursor.execute("PRAGMA journal_size_limit=67108864")
        if background_checkpoints:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # see checkpoint.py
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # straight to the driver: through exec_driver_sql, SQLAlchemy's statement
        # machinery cost more than SQLite's BEGIN itself, on every transaction (issue 19)
        write = conn.get_execution_options().get("cms_write")
        begin = _BEGIN_IMMEDIATE if write else _BEGIN_DEFERRED
        driver = conn.connection.driver_connection
        driver.execute(begin)  # type: ignore[union-attr]  # pysqlite's, set once connected


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction; on SQLite it takes the write lock at BEGIN."""
    with engine.connect().execution_options(cms_write=True) as conn:
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot for several queries."""
    with engine.connect() as conn:
        with conn.begin():
            yield conn


class EngineDatabase:
    """A :class:`cms_dav.store.sql.Database` on a SQLAlchemy engine (a read-only
    command on PostgreSQL, or on an SQLite file it had to create or migrate)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.database_url = engine.url.render_as_string(hide_password=True)

    def reading(self) -> AbstractContextManager[Connection]:
        return read_tx(self.engine)

    def close(self) -> None:
        self.engine.dispose()

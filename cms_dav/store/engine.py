"""A SQLAlchemy engine for one database URL, tuned per backend.

There is no process-wide registry: :func:`cms_dav.app.build_app` creates the one engine
of an App and hands it to every service (store, ACL, shares, login throttle);
``App.close()`` disposes it.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from cms_dav.store.durability import DeferredSync


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
        connect_args = {"timeout": BUSY_SECONDS, "check_same_thread": False}
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
#: how long a statement waits for another connection's lock before "database is locked"
BUSY_SECONDS = 60
#: longest pause between two tries of a writer's BEGIN IMMEDIATE (see begin_immediate)
WRITER_POLL_SECONDS = 0.001


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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # straight to the driver: through exec_driver_sql, SQLAlchemy's statement
        # machinery cost more than SQLite's BEGIN itself, on every transaction (issue 19)
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        if conn.get_execution_options().get("cms_write"):
            begin_immediate(driver)
        else:
            driver.execute(_BEGIN_DEFERRED)


def begin_immediate(driver: sqlite3.Connection, timeout: float = BUSY_SECONDS) -> None:
    """``BEGIN IMMEDIATE`` (take SQLite's write lock), waiting for another connection's
    write lock in steps of at most :data:`WRITER_POLL_SECONDS`.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... 100 ms between tries,
    blind to when the lock is freed: a writer that found the lock taken by a moment's
    work (an outbox claim, a WAL truncation, another process's commit) slept on long
    after it was free, and a PUT sleeps so while it holds its book's lock, so every
    writer of the book waits with it. Issue 19, bulk PUT of 500 cards with 4 clients and
    ``serve --workers 2``: BEGINs waiting over 1 ms summed 4.6-10 s before, 0.5 s with
    this. The wait gives up after ``timeout`` seconds as SQLite's did; the two PRAGMAs
    around it cost microseconds."""
    driver.execute("PRAGMA busy_timeout=0")
    try:
        deadline = 0.0
        pause = WRITER_POLL_SECONDS / 8
        while True:
            try:
                driver.execute(_BEGIN_IMMEDIATE)
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # extended code
                    raise
            now = time.monotonic()
            deadline = deadline or now + timeout
            if now >= deadline:
                raise sqlite3.OperationalError("database is locked")
            time.sleep(pause)
            pause = min(2 * pause, WRITER_POLL_SECONDS)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")


@contextmanager
def write_tx(engine: Engine, deferred: DeferredSync | None = None) -> Iterator[Connection]:
    """A write transaction; on SQLite it takes the write lock at BEGIN. With
    ``deferred`` (the open scope of ``Store.locked(..., defer_sync=True)``: a DAV write)
    an SQLite COMMIT leaves its WAL fsync to the scope's end, shared with concurrent
    writers (:mod:`cms_dav.store.durability`, issue 19)."""
    with engine.connect().execution_options(cms_write=True) as conn:
        if deferred is None or not is_sqlite(engine):
            with conn.begin():
                yield conn
            return
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        deferred.wrote()  # before the COMMIT can have happened: whatever commits is synced
        try:
            driver.execute("PRAGMA synchronous=NORMAL")
            with conn.begin():
                yield conn
        finally:
            deferred.ended()
            driver.execute("PRAGMA synchronous=FULL")


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

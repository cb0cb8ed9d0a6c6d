"""One SQLAlchemy engine per process per database URL, tuned per backend.

Radicale instantiates the storage class more than once per process (the app and the
sharing layer each load it), so engines live in a module-level registry, never on an
instance.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event

from cms_dav.store.checkpoint import autocheckpoint_disabled

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def get_engine(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(url)
            _engines[url] = engine
        return engine


def dispose_all() -> None:
    """Drop pooled connections (tests, and after fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _create(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, pool_size=16, max_overflow=16, pool_timeout=60,
                               connect_args={"timeout": 60, "check_same_thread": False})
        _tune_sqlite(engine, url)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _tune_sqlite(engine: Engine, url: str) -> None:
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
        if autocheckpoint_disabled(url):
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # see checkpoint.py
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("cms_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


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

"""Per-collection write locks that hold across threads, processes and nodes.

Radicale checks If-Match/If-None-Match and the UID inside ``acquire_lock("w")`` and
writes afterwards, so the lock must cover check-then-write. One global lock (stock
Radicale) serializes every writer; here a writer only waits for writers of the same
collection. SQLite: ``flock`` on one of 64 striped lock files next to the database (one
machine). PostgreSQL: a session advisory lock, which every node sharing the database
respects.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import Connection, Engine, text

STRIPES = 64


def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


@contextmanager
def collection_locks(engine: Engine, names: Iterable[str]) -> Iterator[None]:
    ordered = sorted({_key(name) % STRIPES if engine.dialect.name == "sqlite" else _key(name)
                      for name in names})
    with ExitStack() as stack:
        if engine.dialect.name == "sqlite":
            folder = Path(engine.url.database or ".").with_name("locks")
            folder.mkdir(exist_ok=True)
            for stripe in ordered:
                stack.enter_context(_flock(folder / f"{stripe:02d}.lock"))
        elif ordered:
            conn = stack.enter_context(engine.connect())
            for key in ordered:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            stack.callback(_unlock_pg, conn, ordered)
        yield


def _unlock_pg(conn: Connection, keys: list[int]) -> None:
    for key in reversed(keys):
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    conn.commit()


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

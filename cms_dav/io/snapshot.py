"""Consistent copies of the database while the server keeps writing.

SQLite: the online backup API copies every page in one step under a read lock, so
the copy is one committed state.  PostgreSQL: every table is read inside one
REPEATABLE READ transaction (one snapshot) and written as JSON lines, one
``{"table": ..., "row": {...}}`` per row, tables in foreign-key order.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import IO, Any, Iterator

from sqlalchemy import Connection, Engine, MetaData, create_engine, select, text

from cms_dav.store import fts
from cms_dav.store.schema import is_data_table

VERSION_TABLE = "alembic_version"


def sqlite_snapshot(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: all at once, one consistent state
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def dump_rows(engine: Engine, out: IO[str]) -> str | None:
    """Write every table as JSON lines in one snapshot; returns the schema revision."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            metadata = MetaData()
            metadata.reflect(conn, only=is_data_table)
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                for row in conn.execute(select(table).order_by(*order)):
                    out.write(json.dumps({"table": table.name, "row": dict(row._mapping)},
                                         ensure_ascii=False, default=str) + "\n")
            return _revision(conn)


def _revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    except Exception:  # noqa: BLE001 - no table: never migrated
        return None


def sqlite_revision(path: Path) -> str | None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return _revision(conn)
    finally:
        engine.dispose()


def rows_from_sqlite(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(conn, only=is_data_table)
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    yield table.name, dict(row._mapping)
    finally:
        engine.dispose()


def rows_from_jsonl(lines: IO[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for line in lines:
        if line.strip():
            record = json.loads(line)
            yield record["table"], record["row"]


def load_rows(engine: Engine, rows: Iterator[tuple[str, dict[str, Any]]],
              batch: int = 500) -> int:
    """Insert rows into an already migrated, empty database; returns the row count.

    Columns the target does not have are dropped (an older schema may be restored
    into a newer one); the schema version itself is the target's own.
    """
    metadata = MetaData()
    metadata.reflect(engine, only=is_data_table)
    count = 0
    pending: dict[str, list[dict[str, Any]]] = {}

    def flush(conn: Connection, name: str) -> None:
        if pending.get(name):
            conn.execute(metadata.tables[name].insert(), pending.pop(name))

    with engine.begin() as conn:
        current = None
        for name, row in rows:
            if name == VERSION_TABLE or name not in metadata.tables:
                continue
            if name != current:  # a new table: its parents are complete, write them
                for table in metadata.sorted_tables:
                    flush(conn, table.name)
                current = name
            columns = metadata.tables[name].columns
            pending.setdefault(name, []).append({k: v for k, v in row.items() if k in columns})
            count += 1
            if len(pending[name]) >= batch:
                flush(conn, name)
        for table in metadata.sorted_tables:  # parents before children
            flush(conn, table.name)
        if engine.dialect.name == "postgresql":
            _advance_sequences(conn, metadata)
        fts.rebuild(conn)  # SQLite: the rows came without their trigram index
    return count


def _advance_sequences(conn: Connection, metadata: MetaData) -> None:
    """Rows came with their ids: move each serial past the highest one."""
    for table in metadata.sorted_tables:
        column = table.columns.get("id")
        # only integer keys have a serial (push subscriptions are keyed by a random text)
        if column is not None and column.primary_key and \
                column.type.python_type is int:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))

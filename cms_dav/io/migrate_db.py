"""``cms-dav migrate-db --to URL``: move the SQLite database into an empty PostgreSQL one.

Unlike ``backup`` + ``restore`` this keeps every sync token valid: rows are copied with
their ids, ETags, sync epochs and change counters, so a client's RFC 6578 §3.2
``sync-collection`` with a token from before the move gets only the changes since.

It reuses the backup machinery (:mod:`cms_dav.io.snapshot`): a consistent SQLite
snapshot taken with the online backup API (the server may keep running; writes after
the snapshot are not copied, so stop writers first), brought to the current schema in
the temporary copy (the source file is never changed), then streamed into the target in
batches of ``batch`` rows (one transaction: a failed move leaves the target empty).
Afterwards every table's row count is compared between snapshot and target.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, Engine, MetaData, func, select

from cms_dav.io.snapshot import VERSION_TABLE, load_rows, rows_from_sqlite, sqlite_snapshot
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.schema import is_data_table


class MigrateError(ValueError):
    """A move refused or failed; the message names the problem."""


@dataclass
class MigrationReport:
    """Rows per table in the snapshot and in the target after the copy."""

    source: dict[str, int] = field(default_factory=dict)
    target: dict[str, int] = field(default_factory=dict)

    @property
    def mismatches(self) -> list[str]:
        return [name for name, count in self.source.items() if self.target.get(name) != count]

    @property
    def total(self) -> int:
        return sum(self.source.values())


def target_url(url: str) -> str:
    """Accept the libpq spelling ``postgresql://`` (psycopg 3 is the driver cms_dav ships)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if not url.startswith("postgresql+"):
        raise MigrateError(f"--to must be a PostgreSQL URL (postgresql://user@host/db), "
                           f"not {url.split(':', 1)[0]!r}")
    return url


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows of every table but Alembic's own (which each side keeps for itself)."""
    metadata = MetaData()
    metadata.reflect(conn, only=is_data_table)
    return {table.name: int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
            for table in metadata.sorted_tables if table.name != VERSION_TABLE}


def _refuse_non_empty(engine: Engine, shown: str) -> None:
    with engine.connect() as conn:
        held = {name: n for name, n in row_counts(conn).items() if n}
    if held:
        listed = ", ".join(f"{name} ({n} rows)" for name, n in sorted(held.items())[:5])
        raise MigrateError(f"refusing to migrate: the target database {shown} is not empty: "
                           f"{listed}; migrate only into an empty database")


def migrate_database(source: Path, url: str, batch: int = 500,
                     prepare: Callable[[Engine], object] | None = None) -> MigrationReport:
    """Copy every table of the SQLite file ``source`` into the PostgreSQL ``url``.
    ``prepare(engine)`` may add rows to the snapshot before it is counted and copied
    (the users file's entries, so they travel in the same transaction)."""
    if not source.exists():
        raise MigrateError(f"no database at {source}")
    url = target_url(url)
    shown = url.split("@")[-1].split("?")[0]
    target = open_engine(url, pooled=False)
    try:
        try:
            _refuse_non_empty(target, shown)
        except MigrateError:
            raise
        except Exception as exc:  # noqa: BLE001 - unreachable, bad credentials, no database
            raise MigrateError(f"cannot use the target database {shown}: "
                               f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
        upgrade_to_head(target)
        _refuse_non_empty(target, shown)  # a migration that seeds rows would show here
        with tempfile.TemporaryDirectory(prefix="cms-dav-migrate-") as tmp:
            snapshot = Path(tmp) / "db.sqlite3"
            sqlite_snapshot(source, snapshot)
            copy = open_engine(f"sqlite:///{snapshot}", pooled=False)
            try:
                upgrade_to_head(copy)  # an older source: the copy gets the current schema
                if prepare is not None:
                    prepare(copy)
                with copy.connect() as conn:
                    report = MigrationReport(source=row_counts(conn))
            finally:
                copy.dispose()
            load_rows(target, rows_from_sqlite(snapshot), batch=batch)
        with target.connect() as conn:
            counts = row_counts(conn)
        report.target = {name: counts.get(name, 0) for name in report.source}
        return report
    finally:
        target.dispose()

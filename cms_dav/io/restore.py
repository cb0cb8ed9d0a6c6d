"""``cms-dav restore``: a backup archive into an empty data dir / database.

Afterwards every collection gets a new sync epoch: a client holding a token from
before the restore must not be told "these items were deleted since" (it would
delete what it changed after the snapshot, the known Radicale/DAVx5 failure);
with its token rejected it falls back to a full comparison and uploads instead.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any, Callable

from sqlalchemy import Engine, MetaData, func, select

from cms_dav.config import Settings
from cms_dav.io.backup import (JSONL_MEMBER, RIGHTS_MEMBER, SQLITE_MEMBER, USERS_MEMBER,
                               BackupError, _copy, verify_backup)
from cms_dav.io.snapshot import load_rows, rows_from_jsonl, rows_from_sqlite
from cms_dav.store import audit, collections
from cms_dav.store.migrate import upgrade_to_head
from cms_dav.store.schema import collections as collections_table
from cms_dav.store.store import Store


#: the App's store, asked for only once the archive passed its checks: a refused
#: restore leaves the data dir as it found it (no new, empty database)
StoreSource = Callable[[], Store]


def _database_problem(settings: Settings, store: StoreSource) -> str | None:
    """Why the target database is not empty, or None."""
    path = settings.sqlite_path
    if path is not None and not path.exists():
        return None
    engine = store().engine
    metadata = MetaData()
    metadata.reflect(engine, only=lambda name, _: name in ("collections", "items"))
    with engine.connect() as conn:
        for table in metadata.tables.values():
            if conn.execute(select(func.count()).select_from(table)).scalar():
                return f"the database {_describe(settings)} already holds {table.name}"
    return None


def _describe(settings: Settings) -> str:
    return str(settings.sqlite_path) if settings.sqlite_path else "(database_url)"


def check_empty(settings: Settings, store: StoreSource) -> None:
    for label, path in (("users file", settings.htpasswd_file),
                        ("rights file", settings.rights_file)):
        if path.exists():
            raise BackupError(f"refusing to restore: the {label} {path} exists "
                              "(restore only into an empty data dir)")
    problem = _database_problem(settings, store)
    if problem:
        raise BackupError(f"refusing to restore: {problem} (restore only into an empty "
                          "database)")


def restore_backup(settings: Settings, store: StoreSource, archive_path: Path,
                   actor: str = "admin") -> dict[str, Any]:
    """Restore into the App's store (its database must hold no collection or item)."""
    manifest, problems = verify_backup(archive_path)
    if problems or manifest is None:
        raise BackupError(f"{archive_path.name} is damaged: {'; '.join(problems)}")
    _check_revision(manifest.get("schema_revision"))
    check_empty(settings, store)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive, \
            tempfile.TemporaryDirectory(prefix="cms-dav-restore-") as tmp:
        names = {m.name for m in archive.getmembers()}
        if SQLITE_MEMBER in names:
            snapshot = Path(tmp) / SQLITE_MEMBER
            _copy(_member(archive, SQLITE_MEMBER), snapshot)
            _restore_sqlite_file(settings, store().engine, snapshot)
        else:
            upgrade_to_head(store().engine)
            load_rows(store().engine, rows_from_jsonl(io.TextIOWrapper(
                _member(archive, JSONL_MEMBER), "utf-8")))
        for member, target in ((RIGHTS_MEMBER, settings.rights_file),
                               (USERS_MEMBER, settings.htpasswd_file)):
            if member in names:
                target.parent.mkdir(parents=True, exist_ok=True)
                _copy(_member(archive, member), target)
                os.chmod(target, 0o600)
    count = new_sync_epochs(store(), actor, manifest)
    return {"collections": count, **{k: manifest[k] for k in
                                     ("created_at", "schema_revision", "database")}}


def _check_revision(revision: str | None) -> None:
    """A snapshot from a newer cms_dav has tables this version cannot migrate."""
    from alembic.script import ScriptDirectory

    from cms_dav.store.migrate import MIGRATIONS
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if revision is not None and revision not in known:
        raise BackupError(f"the backup has database schema {revision!r}, which this "
                          "version of cms_dav does not know: restore it with a newer cms_dav")


def _member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = archive.extractfile(name)
    if handle is None:
        raise BackupError(f"{name} is not a file in the archive")
    return handle


def _restore_sqlite_file(settings: Settings, engine: Engine, snapshot: Path) -> None:
    target = settings.sqlite_path
    if target is None:  # SQLite backup into PostgreSQL
        upgrade_to_head(engine)
        load_rows(engine, rows_from_sqlite(snapshot))
        return
    engine.dispose()  # the App and the emptiness check opened (and created) the file
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(snapshot, target)


def new_sync_epochs(store: Store, actor: str, manifest: dict[str, Any]) -> int:
    """Reject every sync token issued before the restore (see module docstring)."""
    upgrade_to_head(store.engine)  # an older snapshot gets the current schema
    with store.writing() as conn:
        ids = list(conn.execute(select(collections_table.c.id)).scalars())
        for collection_id in ids:
            collections.reset_sync(conn, collection_id)
        audit.record(conn, store.origin(actor), "backup.restore", "",
                     {"created_at": manifest.get("created_at"), "collections": len(ids)})
    return len(ids)

"""``cms-dav backup``: one tar.gz holding a consistent database snapshot, the rights
file and the users file, with a manifest and SHA-256 checksums.

Archive members: ``manifest.json``, ``db.sqlite3`` (SQLite source) or ``db.jsonl``
(PostgreSQL source), ``rights.toml``, ``fields.toml`` and ``users`` when they exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from functools import partial
from pathlib import Path
from typing import IO, Any, Callable

from sqlalchemy import Engine

from cms_dav import __version__
from cms_dav.config import Settings
from cms_dav.io.snapshot import dump_rows, sqlite_revision, sqlite_snapshot

FORMAT = "cms-dav-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "db.sqlite3"
JSONL_MEMBER = "db.jsonl"
RIGHTS_MEMBER = "rights.toml"
FIELDS_MEMBER = "fields.toml"
USERS_MEMBER = "users"


class BackupError(ValueError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(settings: Settings, destination: Path,
                  engine: Callable[[], Engine]) -> dict[str, Any]:
    """Write the archive (atomically: a temp file renamed into place); returns the manifest.

    ``engine`` gives the App's engine; it is asked for only for PostgreSQL (SQLite is
    copied with its backup API, and a missing file is an error, not a new database)."""
    with tempfile.TemporaryDirectory(prefix="cms-dav-backup-") as tmp:
        work = Path(tmp)
        members: dict[str, Path] = {}
        if settings.sqlite_path is not None:
            if not settings.sqlite_path.exists():
                raise BackupError(f"no database at {settings.sqlite_path}")
            members[SQLITE_MEMBER] = work / SQLITE_MEMBER
            sqlite_snapshot(settings.sqlite_path, members[SQLITE_MEMBER])
            revision, database = sqlite_revision(members[SQLITE_MEMBER]), "sqlite"
        else:
            members[JSONL_MEMBER] = work / JSONL_MEMBER
            with members[JSONL_MEMBER].open("w", encoding="utf-8") as out:
                revision = dump_rows(engine(), out)
            database = "postgresql"
        for name, path in ((RIGHTS_MEMBER, settings.rights_file),
                           (FIELDS_MEMBER, settings.fields_file),
                           (USERS_MEMBER, settings.htpasswd_file)):
            if path.is_file():
                members[name] = path
        manifest = {
            "format": FORMAT, "version": __version__, "schema_revision": revision,
            "database": database,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "files": [{"name": name, "size": path.stat().st_size, "sha256": _sha256(path)}
                      for name, path in members.items()],
        }
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                archive.add(path, arcname=name, recursive=False,
                            filter=_private)
        os.chmod(partial, 0o600)  # it holds password hashes
        partial.replace(destination)
        return manifest


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        handle = archive.extractfile(MANIFEST)
    except KeyError:
        raise BackupError("not a cms-dav backup: manifest.json is missing") from None
    assert handle is not None
    try:
        manifest = json.load(handle)
    except ValueError as exc:
        raise BackupError(f"manifest.json is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def verify_backup(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """(manifest, problems): an empty problem list means the archive is sound."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = read_manifest(archive)
            return manifest, _check_members(archive, manifest)
    except BackupError as exc:
        return None, [str(exc)]
    except (tarfile.TarError, OSError, EOFError) as exc:
        return None, [f"unreadable archive: {exc}"]


def _check_members(archive: tarfile.TarFile, manifest: dict[str, Any]) -> list[str]:
    problems = []
    present = {m.name for m in archive.getmembers() if m.isfile()}
    listed = {entry["name"] for entry in manifest.get("files", [])}
    for extra in sorted(present - listed - {MANIFEST}):
        problems.append(f"{extra}: not listed in the manifest")
    for entry in manifest.get("files", []):
        name = entry["name"]
        if name not in present:
            problems.append(f"{name}: missing from the archive")
            continue
        handle = archive.extractfile(name)
        assert handle is not None
        digest = hashlib.sha256()
        for block in iter(partial(handle.read, 1 << 20), b""):
            digest.update(block)
        if digest.hexdigest() != entry["sha256"]:
            problems.append(f"{name}: checksum mismatch (the file was changed or damaged)")
        elif name in (SQLITE_MEMBER, JSONL_MEMBER):
            problems += _check_database(archive, name)
    if not listed & {SQLITE_MEMBER, JSONL_MEMBER}:
        problems.append("the archive holds no database")
    return problems


def _check_database(archive: tarfile.TarFile, name: str) -> list[str]:
    handle = archive.extractfile(name)
    assert handle is not None
    if name == JSONL_MEMBER:
        for number, line in enumerate(io.TextIOWrapper(handle, "utf-8"), start=1):
            try:
                record = json.loads(line)
                record["table"], record["row"]
            except (ValueError, KeyError, TypeError):
                return [f"{name}: line {number} is not a table row"]
        return []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / name
        _copy(handle, copy)
        try:
            conn = sqlite3.connect(copy)
            try:
                verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
                conn.execute("SELECT count(*) FROM collections").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return [f"{name}: unreadable database: {exc}"]
        return [] if verdict == "ok" else [f"{name}: integrity check failed: {verdict}"]


def _copy(handle: IO[bytes], target: Path) -> None:
    with target.open("wb") as out:
        for block in iter(lambda: handle.read(1 << 20), b""):
            out.write(block)


def prune_backups(directory: Path, keep_days: float, now: float | None = None) -> list[Path]:
    """Delete cms-dav archives in ``directory`` older than ``keep_days``; other files stay."""
    import time
    cutoff = (time.time() if now is None else now) - keep_days * 86_400
    removed = []
    for candidate in sorted(directory.glob("*.tar.gz")):
        if candidate.stat().st_mtime >= cutoff:
            continue
        try:
            with tarfile.open(candidate, "r:gz") as archive:
                read_manifest(archive)
        except (BackupError, tarfile.TarError, OSError, EOFError):
            continue  # not ours (or unreadable): never delete what we did not write
        candidate.unlink()
        removed.append(candidate)
    return removed

"""The bench reports SQLite's write-ahead log apart from the data on disk (issue 19)."""

from __future__ import annotations

from pathlib import Path

from bench.servers import disk_bytes


def write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_the_wal_and_shm_files_are_counted_apart_from_the_data(tmp_path: Path) -> None:
    write(tmp_path / "data" / "cms-dav.sqlite3", 64 * 1024)
    write(tmp_path / "data" / "users", 100)
    write(tmp_path / "data" / "cms-dav.sqlite3-wal", 256 * 1024)
    write(tmp_path / "data" / "cms-dav.sqlite3-shm", 32 * 1024)
    everything = disk_bytes(tmp_path)
    data, wal = disk_bytes(tmp_path, wal=False), disk_bytes(tmp_path, wal=True)
    assert data + wal == everything
    assert 64 * 1024 <= data < 256 * 1024
    assert wal >= (256 + 32) * 1024

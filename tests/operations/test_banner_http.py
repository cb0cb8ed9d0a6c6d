"""Issue 17 item 4: ``cms-dav serve`` starts with a short banner; Radicale's
configuration dump is logged at debug level only."""

from __future__ import annotations

from pathlib import Path

from tests.operations.support import start

DUMP_LINE = "sharing.collection_by_map"  # one of Radicale's ~50 configuration lines


def banner_of(log: str) -> str:
    return log.split("listening on", 1)[0]


def test_the_banner_says_url_data_dir_database_users_and_how_clients_connect(
        tmp_path: Path) -> None:
    server = start(tmp_path / "data", "", users=("alice", "bob"))
    try:
        log = banner_of(server.log())
    finally:
        server.stop()
    assert f"serving http://127.0.0.1:{server.port}/" in log
    assert f"data dir: {tmp_path / 'data'}" in log
    assert f"database: sqlite:///{tmp_path / 'data'}" in log
    assert "users:    2 in" in log and "user add NAME" in log
    assert f"clients:  base URL http://127.0.0.1:{server.port}/" in log
    assert DUMP_LINE not in log
    assert len([line for line in log.splitlines() if line.strip()]) <= 8, log


def test_radicales_configuration_dump_is_logged_at_debug_level(tmp_path: Path) -> None:
    server = start(tmp_path / "data", "[logging]\nlevel = debug\n")
    try:
        lines = [line for line in server.log().splitlines() if DUMP_LINE in line]
    finally:
        server.stop()
    assert lines and all("[DEBUG]" in line for line in lines), lines

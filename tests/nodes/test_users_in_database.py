"""Users in PostgreSQL (issue 17 item 2): ``cms-dav user`` on any node changes the one
``users`` table, and every running node agrees at once or within
``[auth] users_check_seconds`` (0 here: the change counter is read on every login, so
these tests need no waiting; the bound itself is tested in tests/auth/test_users_table.py).

Two nodes with their own data dirs and no users file: the users exist only in the table."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests

from cms_dav.auth import htpasswd
from tests.conftest import fresh_pg_schema
from tests.io.support import run_cli
from tests.nodes.conftest import started_nodes
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres

CONFIG = "[storage]\ndatabase_url = {url}\n[auth]\nusers_check_seconds = 0\n"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerProcess]]:
    with started_nodes(tmp_path_factory.mktemp("user-nodes"), 2, CONFIG) as started:
        yield started


def status(node: ServerProcess, user: str, password: str) -> int:
    """The answer to a PROPFIND of the user's home (207 = logged in)."""
    return requests.request("PROPFIND", f"{node.url}/{user}/", auth=(user, password),
                            headers={"Depth": "0"}, timeout=30).status_code


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hashes made by the in-process CLI cost 4, so the nodes check them fast too."""
    monkeypatch.setattr(htpasswd, "BCRYPT_ROUNDS", 4)


def cli(node: ServerProcess, *args: str, password: str | None = None) -> str:
    """The real ``cms-dav`` command, in-process (a subprocess costs seconds per call)."""
    given = password + "\n" if password is not None else None
    config = ("--config", str(node.config)) if node.config else ()
    return str(run_cli(node.data_dir, *config, *args, input=given).stdout)


def test_a_user_added_through_the_cli_logs_in_on_both_running_nodes(
        nodes: list[ServerProcess]) -> None:
    cli(nodes[0], "user", "add", "ann", "--password-stdin", password="ann-pw")
    assert [status(node, "ann", "ann-pw") for node in nodes] == [207, 207]
    assert not (nodes[0].data_dir / "users").exists()  # the table, not a file


def test_every_node_lists_the_same_users(nodes: list[ServerProcess]) -> None:
    cli(nodes[1], "user", "add", "lea", "--password-stdin", password="lea-pw")
    assert "lea" in cli(nodes[0], "user", "list").split()


def test_a_password_change_on_one_node_refuses_the_old_password_on_both(
        nodes: list[ServerProcess]) -> None:
    cli(nodes[0], "user", "add", "pat", "--password-stdin", password="old-pw")
    assert [status(node, "pat", "old-pw") for node in nodes] == [207, 207]  # now cached
    cli(nodes[1], "user", "passwd", "pat", "--password-stdin", password="new-pw")
    assert [status(node, "pat", "old-pw") for node in nodes] == [401, 401]
    assert [status(node, "pat", "new-pw") for node in nodes] == [207, 207]


def test_a_removed_user_gets_401_on_both_nodes(nodes: list[ServerProcess]) -> None:
    cli(nodes[1], "user", "add", "rex", "--password-stdin", password="rex-pw")
    assert [status(node, "rex", "rex-pw") for node in nodes] == [207, 207]
    cli(nodes[0], "user", "remove", "rex", "--yes")
    assert [status(node, "rex", "rex-pw") for node in nodes] == [401, 401]


def test_migrate_db_copies_the_users_file_into_the_table(tmp_path: Path) -> None:
    sqlite = ServerProcess(data_dir=tmp_path / "data")
    cli(sqlite, "user", "add", "moe", "--password-stdin", password="moe-pw")  # the file
    assert (sqlite.data_dir / "users").exists()
    with fresh_pg_schema() as url:
        output = cli(sqlite, "migrate-db", "--to", url)
        assert "users" in output and "counts verified" in output
        config = tmp_path / "pg.conf"
        config.write_text(f"[storage]\ndatabase_url = {url}\n", encoding="utf-8")
        (sqlite.data_dir / "users").unlink()  # proof that the table answers
        node = ServerProcess(data_dir=sqlite.data_dir, config=config).start()
        try:
            assert status(node, "moe", "moe-pw") == 207
            assert status(node, "moe", "wrong") == 401
        finally:
            node.stop()

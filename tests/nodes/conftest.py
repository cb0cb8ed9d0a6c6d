"""Three cms_dav nodes (server processes, each with its own data dir as on separate
hosts) on one PostgreSQL schema, shared by a module's tests (issue 17, item 2).

Every data dir gets the same users file, as before users lived in the database: the
first node adopts it into the (never changed) ``users`` table, which every node then reads
(``[auth] users = auto`` on PostgreSQL; tests/nodes/test_users_in_database.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.conftest import fresh_pg_schema
from tests.support.server import ServerProcess

USERS = ("alice", "bob", "carol", "dave", "erin", "frank")
#: fast failure delays so that ten failed logins take no time
CONFIG = ("[storage]\ndatabase_url = {url}\n"
          "[auth]\nfirst_delay_seconds = 0.01\nmax_delay_seconds = 0.02\n")


def password(user: str) -> str:
    return f"{user}-pw"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerProcess]]:
    root = tmp_path_factory.mktemp("nodes")
    users = HtpasswdFile(root / "users", rounds=4)
    for user in USERS:
        users.add(user, password(user))
    started: list[ServerProcess] = []
    with fresh_pg_schema() as url:
        try:
            for index in range(3):  # one after the other: the first one migrates
                data_dir = root / f"node{index}"
                data_dir.mkdir()
                shutil.copy(root / "users", data_dir / "users")
                config = data_dir / "cms-dav.conf"
                config.write_text(CONFIG.format(url=url), encoding="utf-8")
                started.append(ServerProcess(data_dir=data_dir, config=config).start())
            yield started
        finally:
            for node in started:
                node.stop()


def users_file(node: ServerProcess) -> Path:
    return node.data_dir / "users"

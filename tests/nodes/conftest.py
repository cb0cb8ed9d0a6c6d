"""Three cms_dav nodes (server processes, each with its own data dir as on separate
hosts) on one PostgreSQL schema, shared by a module's tests (issue 17, item 2).

Every data dir gets the same users file, as before users lived in the database: the
first node adopts it into the (never changed) ``users`` table, which every node then reads
(``[auth] users = auto`` on PostgreSQL; tests/nodes/test_users_in_database.py)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

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


@contextmanager
def started_nodes(root: Path, count: int, config: str,
                  prepare: Callable[[int, ServerProcess], object] | None = None
                  ) -> Iterator[list[ServerProcess]]:
    """``count`` nodes on one fresh PostgreSQL schema, started one after the other (the
    first one migrates); ``config`` is the config text with ``{url}`` for the database,
    ``prepare(index, node)`` runs before each node starts; all are stopped afterwards."""
    started: list[ServerProcess] = []
    with fresh_pg_schema() as url:
        try:
            for index in range(count):
                data_dir = root / f"node{index}"
                data_dir.mkdir()
                config_path = data_dir / "cms-dav.conf"
                config_path.write_text(config.format(url=url), encoding="utf-8")
                node = ServerProcess(data_dir=data_dir, config=config_path)
                if prepare is not None:
                    prepare(index, node)
                started.append(node.start())
            yield started
        finally:
            for node in started:
                node.stop()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerProcess]]:
    root = tmp_path_factory.mktemp("nodes")
    users = HtpasswdFile(root / "users", rounds=4)
    for user in USERS:
        users.add(user, password(user))
    with started_nodes(root, 3, CONFIG,
                       lambda _, node: shutil.copy(root / "users", node.data_dir / "users")
                       ) as started:
        yield started


def users_file(node: ServerProcess) -> Path:
    return node.data_dir / "users"

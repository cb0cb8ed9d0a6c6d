"""Servers shared by the tests of this package (one start each per session keeps the
suite fast): ``limits_server`` with the default ``[limits]``, ``tight_server`` with small
quotas and a tiny query budget. Each test module uses its own users, so modules do not
see each other's data."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.security.limits_support import running
from tests.support.server import ServerProcess

TIGHT_CONFIG = """[limits]
max_collections_per_user = 4
max_items_per_collection = 3
query_seconds = 0.001
"""


@pytest.fixture(scope="session")
def limits_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running(tmp_path_factory.mktemp("limits-default"), "",
                 ("alice", "bob", "carol", "dave")) as server:
        yield server


@pytest.fixture(scope="session")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running(tmp_path_factory.mktemp("limits-tight"), TIGHT_CONFIG,
                 ("erin", "frank", "grace")) as server:
        yield server

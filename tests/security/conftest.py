"""Servers shared by the tests of this package (one start each per session keeps the
suite fast): ``limits_server`` with the default ``[limits]``, ``tight_server`` with small
quotas and a tiny query budget. A module whose answers depend on what else is stored
(recurrence, quota, budget) has a user of its own."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.security.limits_support import peak_memory_kb, running
from tests.support.server import ServerProcess

TIGHT_CONFIG = """[limits]
max_collections_per_user = 4
max_items_per_collection = 3
query_seconds = 0.001
"""


@pytest.fixture(scope="session")
def limits_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running(tmp_path_factory.mktemp("limits-default"), "",
                 ("alice", "carol")) as server:
        yield server
        # the figure for the closing note (shown with -s)
        print(f"\nlimits_server peak VmHWM over the session: "
              f"{peak_memory_kb(server) / 1024:.1f} MB")


@pytest.fixture(scope="session")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running(tmp_path_factory.mktemp("limits-tight"), TIGHT_CONFIG,
                 ("erin", "frank", "grace")) as server:
        yield server

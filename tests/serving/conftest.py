"""One server for the modules that need no special deadlines or connection limits."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.serving.rawhttp import BODY_LIMIT, start_server
from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from start_server(tmp_path_factory, "serving",
                            f"[server]\nmax_body_bytes = {BODY_LIMIT}\n")

"""One real server for the JSON API tests of this package (users alice and bob): each
test writes contacts of its own UIDs, so they share it and the suite stays fast."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from tests.api.support import seeded_server
from tests.support.server import ServerProcess


@pytest.fixture(scope="package")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = seeded_server(tmp_path_factory.mktemp("api"))
    yield server
    server.stop()


@pytest.fixture(scope="package")
def alice(api_server: ServerProcess) -> requests.Session:
    return api_server.session("alice", "alice-pw")


@pytest.fixture(scope="package")
def bob(api_server: ServerProcess) -> requests.Session:
    return api_server.session("bob", "bob-pw")

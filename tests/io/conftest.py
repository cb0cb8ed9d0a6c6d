"""One real server for all io CLI tests (starting one costs seconds on a busy
machine); each test works in collections of its own so tests stay independent."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.io.support import login
from tests.support.dav import make_addressbook, make_calendar
from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("io-server"))
    for name in ("alice", "bob"):
        server.add_user(name, f"{name}-pw")
    server.start()
    login(server, "alice")
    login(server, "bob")
    yield server
    server.stop()


@pytest.fixture
def alice(live: ServerProcess) -> requests.Session:
    return live.session("alice", "alice-pw")


@pytest.fixture
def book(live: ServerProcess, alice: requests.Session) -> str:
    """A fresh address book of alice's: its collection path, e.g. /alice/ab-1a2b/."""
    path = f"/alice/ab-{uuid.uuid4().hex[:8]}/"
    make_addressbook(alice, live.url + path)
    return path


@pytest.fixture
def calendar(live: ServerProcess, alice: requests.Session) -> str:
    path = f"/alice/cal-{uuid.uuid4().hex[:8]}/"
    make_calendar(alice, live.url + path)
    return path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return tmp_path

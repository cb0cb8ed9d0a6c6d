"""Sessions of the push tests' users on the module's ``server`` (each module starts its
own, with :data:`tests.push.push_service.SERVER_CONFIG`)."""

from __future__ import annotations

import pytest
import requests

from tests.support.server import ServerProcess


@pytest.fixture
def alice(server: ServerProcess) -> requests.Session:
    return server.session("alice", "alice-pw")


@pytest.fixture
def bob(server: ServerProcess) -> requests.Session:
    return server.session("bob", "bob-pw")

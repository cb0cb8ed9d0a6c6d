"""The caldav client and vdirsyncer tests (tests/clients) against ``serve --workers 2``:
their requests land on either worker, so sessions, sync tokens and ETags must agree
across processes (issue 17, item 1)."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.clients.test_caldav_client import (  # noqa: F401 - collected here again
    principal, test_creates_a_calendar_saves_and_fetches_events,
    test_discovers_principal_from_base_url, test_lists_the_default_calendar,
    test_searches_a_date_range)
from tests.clients.test_vdirsyncer import (  # noqa: F401 - collected here again
    test_two_way_sync_converges_and_then_changes_nothing)
from tests.support.server import ServerProcess, UsersTemplates


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory, users_templates: UsersTemplates
                  ) -> Iterator[ServerProcess]:
    """As tests/conftest.py's ``module_server``, with two worker processes."""
    data_dir = tmp_path_factory.mktemp("module-workers")
    users_templates.copy_into(data_dir, {"alice": "alice-pw", "bob": "bob-pw"})
    server = ServerProcess(data_dir=data_dir, workers=2).start()
    yield server
    server.stop()


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """The module's two-worker server; the collections a test made are deleted after
    it. Only the one vdirsyncer test writes into the default collections (the caldav
    tests make calendars of their own), so none needs them emptied."""
    return shared_server

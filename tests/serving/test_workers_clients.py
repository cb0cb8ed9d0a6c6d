"""The caldav client and vdirsyncer tests (tests/clients) against ``serve --workers 2``:
their requests land on either worker, so sessions, sync tokens and ETags must agree
across processes (issue 17, item 1)."""

from __future__ import annotations

from typing import Callable

import pytest

from tests.clients.test_caldav_client import (  # noqa: F401 - collected here again
    principal, test_creates_a_calendar_saves_and_fetches_events,
    test_discovers_principal_from_base_url, test_lists_the_default_calendar,
    test_searches_a_date_range)
from tests.clients.test_vdirsyncer import (  # noqa: F401 - collected here again
    test_two_way_sync_converges_and_then_changes_nothing)
from tests.support.server import ServerProcess


@pytest.fixture
def server(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """As tests/conftest.py's ``server``, with two worker processes."""
    return make_server(users={"alice": "alice-pw", "bob": "bob-pw"}, workers=2)

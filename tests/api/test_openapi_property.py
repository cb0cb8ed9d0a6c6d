"""Property-based test of the whole JSON API from its own OpenAPI document
(schemathesis): for generated requests of every operation, logged in as alice, the
server never answers 5xx and every answer matches its documented schema, status and
media type. Bounded: ``CMS_DAV_SCHEMATHESIS_EXAMPLES`` examples per operation (15 by
default; raise it for a deeper run)."""

from __future__ import annotations

import base64
import os
from typing import Any, Iterator

import pytest
import requests
import schemathesis
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance
from hypothesis import HealthCheck, given, settings

from tests.api.support import API, seeded_server
from tests.support.server import ServerProcess

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow

LOGIN = {"Authorization": "Basic " + base64.b64encode(b"alice:alice-pw").decode()}
#: checks that do not apply: the login is always alice's (test_api_problems.py checks the
#: 401s); a schema-valid request may still be refused for what the schema cannot say
#: (428 without If-Match, 412 on a stale one, 422 for a --where naming no defined field)
EXCLUDED = [ignored_auth, positive_data_acceptance]
EXAMPLES = int(os.environ.get("CMS_DAV_SCHEMATHESIS_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of its own: generated requests create and delete data at random."""
    server = seeded_server(tmp_path_factory.mktemp("api-fuzz"))
    yield server
    server.stop()


def test_every_operation_answers_within_its_documented_schema(
        fuzzed_server: ServerProcess) -> None:
    # one test walking the operations: schemathesis' lazy pytest loader does not run on
    # this pytest, and the schema exists only once the server is up
    schema = schemathesis.openapi.from_url(f"{fuzzed_server.url}{API}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 15
    session = requests.Session()
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_within_schema(case: Any) -> None:
            # sent with plain requests: schemathesis' transport inspects urllib3 internals
            # that the installed urllib3 does not have
            sent = case.as_transport_kwargs(base_url=fuzzed_server.url, headers=LOGIN)
            response = session.request(**sent, timeout=30)
            case.validate_response(response, transport_kwargs=sent, headers=LOGIN,
                                   excluded_checks=EXCLUDED)
        answers_within_schema()

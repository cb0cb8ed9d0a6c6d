"""Query time budgets (issue 10, item 3): an addressbook-query or calendar-query that
works longer than ``[limits] query_seconds`` is stopped and answered 507 with
DAV:number-of-matches-within-limits and a description naming the budget. 507, not 503:
the budget is spent by the query's own size, so a retry (what 503 invites) fails again.
The server here gets a budget of a millisecond so that any filtered query runs out."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.security.limits_support import (
    ADDRESSBOOK_QUERY, assert_refusal, put, report, session, vcard, vevent,
)
from tests.support.server import ServerProcess

USER = "grace"
SUMMARY_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">
<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">
<C:text-match>meet</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>
</C:filter></C:calendar-query>"""


@pytest.fixture(scope="module")
def server(tight_server: ServerProcess) -> Iterator[ServerProcess]:
    """query_seconds = 0.001 (see conftest); three items fit grace's quota."""
    client = session(USER)
    for n in range(3):
        assert put(client, f"{tight_server.url}/grace/contacts/a{n}.vcf",
                   vcard(f"a{n}")).status_code == 201
        assert put(client, f"{tight_server.url}/grace/calendar/e{n}.ics",
                   vevent(f"meet-{n}"), "calendar").status_code == 201
    yield tight_server


def test_an_addressbook_query_past_its_time_budget_is_stopped_with_507(
        server: ServerProcess) -> None:
    answer = report(session(USER), f"{server.url}/grace/contacts/", ADDRESSBOOK_QUERY)
    assert_refusal(answer, 507, "D:number-of-matches-within-limits", "budget of 0.001 s")


def test_a_calendar_query_past_its_time_budget_is_stopped_with_507(
        server: ServerProcess) -> None:
    answer = report(session(USER), f"{server.url}/grace/calendar/", SUMMARY_QUERY)
    assert_refusal(answer, 507, "D:number-of-matches-within-limits", "query_seconds")


def test_requests_without_a_query_are_not_budgeted(server: ServerProcess) -> None:
    assert session(USER).get(f"{server.url}/grace/contacts/a1.vcf").status_code == 200
    listing = session(USER).request("PROPFIND", f"{server.url}/grace/contacts/",
                                headers={"Depth": "1"})
    assert listing.status_code == 207

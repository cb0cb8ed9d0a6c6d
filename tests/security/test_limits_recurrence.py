"""Recurrence expansion and time ranges (issue 10, item 3): a cap on the instances one
query may return or examine (403 CALDAV:max-instances, RFC 4791 §5.2.8, §9.6.5) and on
the dates it may name (403 CALDAV:min-date-time / max-date-time, §5.2.6, §5.2.7). Each
refusal comes promptly; a normal query keeps working."""

from __future__ import annotations

import time
from typing import Iterator

import pytest
import requests

from tests.security.limits_support import (
    CALENDAR_QUERY, EXPAND, assert_refusal, put, report, session, vevent,
)
from tests.support.server import ServerProcess

#: generous bound the issue asks for ("must answer promptly")
PROMPT_SECONDS = 10
USER = "carol"


@pytest.fixture(scope="module")
def server(limits_server: ServerProcess) -> Iterator[ServerProcess]:
    calendar = f"{limits_server.url}/carol/calendar/"
    client = session(USER)
    events = {
        "seconds": vevent("seconds", "FREQ=SECONDLY;COUNT=10000",
                          "20260101T000000Z", "20260101T000001Z"),
        "hourly": vevent("hourly", "FREQ=HOURLY", "19500101T000000Z", "19500101T001000Z"),
        "weekly": vevent("weekly", "FREQ=WEEKLY", "20260105T090000Z", "20260105T093000Z"),
    }
    for uid, text in events.items():
        assert put(client, f"{calendar}{uid}.ics", text, "calendar").status_code == 201
    yield limits_server


def _query(server: ServerProcess, start: str, end: str, data: str = ""
           ) -> tuple[requests.Response, float]:
    began = time.monotonic()
    answer = report(session(USER), f"{server.url}/carol/calendar/",
                    CALENDAR_QUERY.format(start=start, end=end, data=data))
    return answer, time.monotonic() - began


def test_a_time_range_in_2125_is_refused_promptly_with_max_date_time(
        server: ServerProcess) -> None:
    answer, took = _query(server, "21250101T000000Z", "21250102T000000Z")
    assert_refusal(answer, 403, "C:max-date-time", "later than 21000101T000000Z")
    assert took < PROMPT_SECONDS


def test_a_time_range_before_1900_is_refused_with_min_date_time(server: ServerProcess) -> None:
    answer, _ = _query(server, "18000101T000000Z", "18000102T000000Z")
    assert_refusal(answer, 403, "C:min-date-time", "earlier than 19000101T000000Z")


def test_a_malformed_time_range_is_refused_with_400_saying_what_a_date_looks_like(
        server: ServerProcess) -> None:
    answer, _ = _query(server, "tomorrow", "20260102T000000Z")
    assert_refusal(answer, 400, None, "not a UTC date-time")


def test_expanding_a_secondly_event_over_70_years_is_refused_with_max_instances(
        server: ServerProcess) -> None:
    expand = EXPAND.format(start="20260101T000000Z", end="20951231T000000Z")
    answer, took = _query(server, "20260101T000000Z", "20260101T010000Z", expand)
    assert_refusal(answer, 403, "C:max-instances", "max_instances")
    assert took < PROMPT_SECONDS


def test_a_time_range_far_from_an_hourly_events_start_is_refused_promptly(
        server: ServerProcess) -> None:
    answer, took = _query(server, "20900101T000000Z", "20900102T000000Z")
    assert_refusal(answer, 403, "C:max-instances", "max_instances_examined")
    assert took < PROMPT_SECONDS


def test_a_normal_expand_of_one_month_still_answers(server: ServerProcess) -> None:
    calendar = f"{server.url}/carol/calendar/"
    assert session(USER).delete(calendar + "hourly.ics").status_code in (200, 204)
    assert session(USER).delete(calendar + "seconds.ics").status_code in (200, 204)
    expand = EXPAND.format(start="20260201T000000Z", end="20260301T000000Z")
    answer, _ = _query(server, "20260201T000000Z", "20260301T000000Z", expand)
    assert answer.status_code == 207, answer.text[:500]
    assert answer.text.count("RECURRENCE-ID") == 4


def test_a_free_busy_query_over_70_years_of_a_secondly_event_is_refused_with_max_instances(
        server: ServerProcess) -> None:
    calendar = f"{server.url}/carol/calendar/"
    assert put(session(USER), calendar + "ticks.ics", vevent(
        "ticks", "FREQ=SECONDLY;COUNT=10000", "20270101T000000Z", "20270101T000001Z"),
        "calendar").status_code == 201
    body = ('<?xml version="1.0" encoding="utf-8"?><C:free-busy-query xmlns:C="urn:ietf:'
            'params:xml:ns:caldav"><C:time-range start="20260101T000000Z" '
            'end="20951231T000000Z"/></C:free-busy-query>')
    answer = report(session(USER), calendar, body)
    assert_refusal(answer, 403, "C:max-instances", "max_instances")


def test_calendars_advertise_their_instance_and_date_limits(server: ServerProcess) -> None:
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:'
            'ns:caldav"><D:prop><C:max-instances/><C:min-date-time/><C:max-date-time/>'
            '</D:prop></D:propfind>')
    answer = session(USER).request("PROPFIND", f"{server.url}/carol/calendar/", data=body,
                               headers={"Depth": "0"})
    assert answer.status_code == 207
    for value in ("10000", "19000101T000000Z", "21000101T000000Z"):
        assert f">{value}<" in answer.text, answer.text

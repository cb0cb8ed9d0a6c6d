"""Issue 2: the `caldav` client library, given only the base URL and a login."""

from __future__ import annotations

from datetime import datetime, timezone

import caldav
import pytest

from tests.support.dav import vevent


@pytest.fixture
def server(shared_server):
    """The module's one server: the calendars a test makes are deleted after it."""
    return shared_server


@pytest.fixture
def principal(server):
    client = caldav.DAVClient(url=server.url + "/", username="alice", password="alice-pw")
    return client.principal()


def test_discovers_principal_from_base_url(principal):
    assert str(principal.url).rstrip("/").endswith("/alice")


def test_lists_the_default_calendar(principal):
    names = [calendar.get_display_name() for calendar in principal.calendars()]
    assert "Calendar" in names


def test_creates_a_calendar_saves_and_fetches_events(principal):
    calendar = principal.make_calendar(name="Client meetings", cal_id="meetings")
    calendar.save_event(vevent("meeting-1", "Renewal call"))
    calendar.save_event(vevent("meeting-2", "Quarterly review", "20261215T090000Z",
                               "20261215T100000Z"))
    fetched = calendar.event_by_uid("meeting-1")
    assert "Renewal call" in fetched.data
    assert len(calendar.events()) == 2


def test_searches_a_date_range(principal):
    calendar = principal.make_calendar(name="Range", cal_id="range")
    calendar.save_event(vevent("in-range", "December", "20261210T100000Z",
                               "20261210T110000Z"))
    calendar.save_event(vevent("out-of-range", "January", "20270110T100000Z",
                               "20270110T110000Z"))
    found = calendar.search(start=datetime(2026, 12, 1, tzinfo=timezone.utc),
                            end=datetime(2027, 1, 1, tzinfo=timezone.utc), event=True)
    summaries = [event.icalendar_component["SUMMARY"] for event in found]
    assert summaries == ["December"]

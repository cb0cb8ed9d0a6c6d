"""Issue 13: the `caldav` client sees the generated birthday calendar like any calendar,
reads its events, and gets 403 when it writes."""

from __future__ import annotations

from datetime import date, datetime, timezone

import caldav
import pytest
from caldav.lib import error

from tests.calendars.generated_support import card, put
from tests.support.dav import vevent


@pytest.fixture
def server(emptied_server):
    """The module's one server: the card a test stores is deleted after it."""
    return emptied_server


@pytest.fixture
def principal(server):
    put(server.session("alice", "alice-pw"), f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    client = caldav.DAVClient(url=server.url + "/", username="alice", password="alice-pw")
    return client.principal()


def birthdays(principal):
    found = [each for each in principal.calendars()
             if str(each.url).rstrip("/").endswith("/alice/birthdays")]
    assert len(found) == 1
    return found[0]


def test_lists_the_birthday_calendar_by_its_display_name(principal):
    assert birthdays(principal).get_display_name() == "Birthdays"


def test_reads_the_birthday_event(principal):
    events = birthdays(principal).events()
    assert len(events) == 1
    assert "Anna Nowak" in str(events[0].icalendar_component["SUMMARY"])


def test_a_date_range_search_finds_this_years_birthday_only_in_its_month(principal):
    year = date.today().year
    june = birthdays(principal).search(start=datetime(year, 6, 1, tzinfo=timezone.utc),
                                       end=datetime(year, 7, 1, tzinfo=timezone.utc),
                                       event=True)
    march = birthdays(principal).search(start=datetime(year, 3, 1, tzinfo=timezone.utc),
                                        end=datetime(year, 4, 1, tzinfo=timezone.utc),
                                        event=True)
    assert len(june) == 1 and march == []


def test_a_saved_event_is_refused_with_403(principal):
    with pytest.raises(error.AuthorizationError) as refused:  # caldav's name for 403
        birthdays(principal).save_event(vevent("mine", "Mine"))
    assert "Forbidden" in str(refused.value)
    assert len(birthdays(principal).events()) == 1

"""The RFC corners caldav-server-tester reports: comp-type-optional prop-filters,
calendars made on first use, and ``@`` spelt ``%40`` in object names."""

from __future__ import annotations

import re
from typing import Iterator

import caldav
import pytest
import requests

from tests.support.dav import sync_collection, vcard
from tests.support.server import ServerProcess

AUTH = ("alice", "alice-pw-1234")
CALENDAR_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR">{inner}
</c:comp-filter></c:filter></c:calendar-query>"""


def ical(component: str, uid: str, extra: str = "") -> str:
    times = ("DTSTART:20261201T100000Z\r\nDTEND:20261201T110000Z\r\n"
             if component == "VEVENT" else "DUE:20261201T100000Z\r\n")
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav tests//EN\r\n"
            f"BEGIN:{component}\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n{times}"
            f"SUMMARY:{uid}\r\n{extra}END:{component}\r\nEND:VCALENDAR\r\n")


def put(server: ServerProcess, path: str, text: str, kind: str = "text/calendar"
        ) -> requests.Response:
    return requests.put(server.url + path, data=text.encode(), auth=AUTH, timeout=60,
                        headers={"Content-Type": f"{kind}; charset=utf-8"})


def query(server: ServerProcess, path: str, inner: str) -> requests.Response:
    return requests.request("REPORT", server.url + path, auth=AUTH, timeout=60,
                            data=CALENDAR_QUERY.format(inner=inner).encode(),
                            headers={"Content-Type": "application/xml", "Depth": "1"})


def hrefs_of(response: requests.Response) -> list[str]:
    assert response.status_code == 207, response.text
    return sorted(re.findall(r"<href>([^<]*)</href>", response.text))


def exists(server: ServerProcess, path: str) -> bool:
    return requests.request("PROPFIND", server.url + path, auth=AUTH, timeout=60,
                            headers={"Depth": "0"}).status_code == 207


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("corners"))
    server.add_user(*AUTH)
    server.start()
    try:
        assert exists(server, "/alice/")  # the first login makes the home
        yield server
    finally:
        server.stop()


def test_a_prop_filter_under_vcalendar_matches_any_component(server):
    for name, component, extra in (("tagged-event", "VEVENT", "CATEGORIES:pf-cat\r\n"),
                                   ("tagged-todo", "VTODO", "CATEGORIES:pf-cat\r\n"),
                                   ("plain-event", "VEVENT", "")):
        assert put(server, f"/alice/calendar/{name}.ics",
                   ical(component, name, extra)).status_code == 201
    found = query(server, "/alice/calendar/", '<c:prop-filter name="CATEGORIES">'
                  '<c:text-match>pf-cat</c:text-match></c:prop-filter>')
    assert hrefs_of(found) == ["/alice/calendar/tagged-event.ics",
                               "/alice/calendar/tagged-todo.ics"]


def test_a_calendar_property_filter_under_vcalendar_still_reads_the_calendar(server):
    assert put(server, "/alice/calendar/prodid.ics", ical("VEVENT", "prodid")).status_code \
        == 201
    found = query(server, "/alice/calendar/", '<c:prop-filter name="PRODID">'
                  '<c:text-match>no such producer</c:text-match></c:prop-filter>')
    assert hrefs_of(found) == []


def test_a_query_on_a_missing_calendar_of_ones_own_creates_it(server):
    client = caldav.DAVClient(url=server.url + "/alice/", username=AUTH[0],
                              password=AUTH[1])
    calendar = client.principal().calendar(cal_id="made-on-first-use")
    assert calendar.events() == []
    assert exists(server, "/alice/made-on-first-use/")


def test_a_calendar_put_into_a_missing_calendar_creates_it(server):
    assert put(server, "/alice/new-cal/first.ics", ical("VEVENT", "first")).status_code \
        == 201
    assert hrefs_of(query(server, "/alice/new-cal/", '<c:comp-filter name="VEVENT"/>')) == \
        ["/alice/new-cal/first.ics"]


def test_a_deleted_calendar_is_not_made_again_by_a_late_query(server):
    assert put(server, "/alice/short-lived/x.ics", ical("VEVENT", "x")).status_code == 201
    assert requests.delete(server.url + "/alice/short-lived/", auth=AUTH,
                           timeout=60).status_code in (200, 204)
    assert query(server, "/alice/short-lived/", "").status_code == 404
    assert not exists(server, "/alice/short-lived/")


def test_nothing_is_created_for_cards_deeper_paths_or_another_home(server):
    assert put(server, "/alice/no-book/card.vcf", vcard("u1", "No Book"),
               kind="text/vcard").status_code == 409
    assert query(server, "/alice/deep/er/", "").status_code == 404
    assert query(server, "/nobody/cal/", "").status_code in (403, 404)
    assert not any(exists(server, path)
                   for path in ("/alice/no-book/", "/alice/deep/", "/nobody/cal/"))


def test_an_at_sign_and_its_percent_encoding_name_one_object(server):
    assert put(server, "/alice/calendar/a%40b.ics", ical("VEVENT", "at-1")).status_code \
        == 201
    assert put(server, "/alice/calendar/a@b.ics", ical("VEVENT", "at-1", "LOCATION:x\r\n")
               ).status_code == 204
    bodies = {requests.get(server.url + path, auth=AUTH, timeout=60).text
              for path in ("/alice/calendar/a@b.ics", "/alice/calendar/a%40b.ics")}
    assert len(bodies) == 1 and "LOCATION:x" in bodies.pop()
    listed = requests.request("PROPFIND", server.url + "/alice/calendar/", auth=AUTH,
                              timeout=60, headers={"Depth": "1"})
    assert [href for href in hrefs_of(listed) if "40b" in href or "@b" in href] == \
        ["/alice/calendar/a%40b.ics"]
    session = requests.Session()
    session.auth = AUTH
    _, _, statuses = sync_collection(session, server.url + "/alice/calendar/")
    assert [href for href in statuses if "40b" in href or "@b" in href] == \
        ["/alice/calendar/a%40b.ics"]


WEEKLY_TASK = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav tests//EN\r\n"
               "BEGIN:VTODO\r\nUID:weekly-task\r\nDTSTAMP:20261101T000000Z\r\n"
               "DTSTART:20261201T090000Z\r\nDUE:20261201T100000Z\r\n"
               "RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:weekly\r\nEND:VTODO\r\n"
               "BEGIN:VTODO\r\nUID:weekly-task\r\nDTSTAMP:20261101T000000Z\r\n"
               "RECURRENCE-ID:20261208T090000Z\r\nDTSTART:20261208T110000Z\r\n"
               "DUE:20261208T120000Z\r\nSUMMARY:moved\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
EXPAND_TODOS = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><c:calendar-data><c:expand start="{start}" end="{end}"/></c:calendar-data></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">
<c:time-range start="{start}" end="{end}"/></c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


def expand_todos(server: ServerProcess, path: str, start: str, end: str
                 ) -> requests.Response:
    return requests.request("REPORT", server.url + path, auth=AUTH, timeout=60,
                            data=EXPAND_TODOS.format(start=start, end=end).encode(),
                            headers={"Content-Type": "application/xml", "Depth": "1"})


def test_expand_turns_a_recurring_task_into_its_instances_in_the_range(server):
    assert put(server, "/alice/tasks/weekly.ics", WEEKLY_TASK).status_code == 201
    response = expand_todos(server, "/alice/tasks/", "20261201T000000Z", "20261220T000000Z")
    assert response.status_code == 207, response.text
    text = response.text
    assert "RRULE" not in text
    assert re.findall(r"RECURRENCE-ID:(\w+)", text) == \
        ["20261201T090000Z", "20261208T090000Z", "20261215T090000Z"]
    assert "DTSTART:20261208T110000Z" in text  # the overridden instance stands
    assert "DUE:20261215T100000Z" in text  # DUE keeps its distance to DTSTART


def test_expand_past_max_instances_is_refused_with_max_instances(server):
    hourly = WEEKLY_TASK.replace("FREQ=WEEKLY;COUNT=10", "FREQ=HOURLY")
    assert put(server, "/alice/hourly/task.ics", hourly).status_code == 201
    # two years of hours: past [limits] max_instances (10000)
    response = expand_todos(server, "/alice/hourly/", "20261201T000000Z", "20281201T000000Z")
    assert response.status_code == 403
    assert "max-instances" in response.text


def test_expand_leaves_out_tasks_outside_the_querys_time_range(server):
    old_task = ical("VTODO", "old-task").replace("DUE:20261201T100000Z",
                                                 "DTSTART:20000109T120000Z\r\nDUE:20000109T130000Z")
    assert put(server, "/alice/tasks-range/old.ics", old_task).status_code == 201
    assert put(server, "/alice/tasks-range/weekly.ics", WEEKLY_TASK).status_code == 201
    response = expand_todos(server, "/alice/tasks-range/", "20261201T000000Z",
                            "20261203T000000Z")
    assert response.status_code == 207, response.text
    assert "old-task" not in response.text
    assert re.findall(r"RECURRENCE-ID:(\w+)", response.text) == ["20261201T090000Z"]

"""The occurrence index over HTTP: kept by every write, rebuilt by ``cms-dav reindex``,
and answers past its horizon still right (cms_dav.calendars.occurrences).

One server with a 60-day horizon, so an endless weekly event written today is indexed
for about nine weeks and a query years ahead has to fall back to expansion.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, delete, func, select

from cms_dav.store.schema import calendar_occurrences, calendar_spans
from tests.support.dav import make_calendar
from tests.support.server import ServerProcess, configured_server

CALDAV = "urn:ietf:params:xml:ns:caldav"


class Served:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.session = server.session("alice", "alice-pw")
        self.calendar = f"{server.url}/alice/cal/"
        self.engine = create_engine(f"sqlite:///{server.data_dir / 'cms-dav.sqlite3'}")

    def put(self, name: str, text: str) -> None:
        answer = self.session.put(f"{self.calendar}{name}", data=text.encode(),
                                  headers={"Content-Type": "text/calendar"})
        assert answer.status_code in (201, 204), answer.text

    def query(self, start: str, end: str) -> list[str]:
        body = (f'<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" '
                f'xmlns:C="{CALDAV}"><D:prop><D:getetag/></D:prop><C:filter>'
                f'<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
                f'<C:time-range start="{start}" end="{end}"/></C:comp-filter>'
                f'</C:comp-filter></C:filter></C:calendar-query>')
        answer = self.session.request("REPORT", self.calendar, data=body.encode(),
                                      headers={"Content-Type": "application/xml",
                                               "Depth": "1"})
        assert answer.status_code == 207, answer.text
        return sorted(h.rsplit("/", 1)[-1] for h in re.findall(r"<href>([^<]+)</href>",
                                                                answer.text))

    def rows(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(
                calendar_occurrences)).scalar_one())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir: Path = tmp_path_factory.mktemp("occurrence-http")
    server = configured_server(data_dir, "[storage]\noccurrence_horizon_days = 60\n",
                               {"alice": "alice-pw"})
    try:
        built = Served(server)
        make_calendar(built.session, built.calendar)
        yield built
    finally:
        built.engine.dispose()
        server.stop()


def event(uid: str, start: str, rule: str = "") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav tests//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
            f"DURATION:PT1H\r\n{rule}SUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_an_endless_rule_is_found_past_the_horizon(served: Served) -> None:
    served.put("weekly.ics", event("weekly", "20260105T100000Z", "RRULE:FREQ=WEEKLY\r\n"))
    assert served.query("20310106T000000Z", "20310107T000000Z") == ["weekly.ics"]
    assert served.query("20310107T000000Z", "20310113T000000Z") == []


def test_an_overwrite_replaces_the_occurrences(served: Served) -> None:
    served.put("moved.ics", event("moved", "20260301T100000Z"))
    assert served.query("20260301T000000Z", "20260302T000000Z") == ["moved.ics"]
    served.put("moved.ics", event("moved", "20260401T100000Z"))
    assert served.query("20260301T000000Z", "20260302T000000Z") == []
    assert served.query("20260401T000000Z", "20260402T000000Z") == ["moved.ics"]


def test_a_delete_removes_the_occurrences(served: Served) -> None:
    served.put("gone.ics", event("gone", "20260501T100000Z", "RRULE:FREQ=DAILY;COUNT=50\r\n"))
    before = served.rows()
    assert served.session.delete(f"{served.calendar}gone.ics").status_code in (200, 204)
    assert served.rows() == before - 50


def test_an_object_without_rows_is_found_and_reindex_indexes_it(served: Served) -> None:
    served.put("old.ics", event("old", "20260601T100000Z", "RRULE:FREQ=DAILY;COUNT=3\r\n"))
    with served.engine.begin() as conn:  # as stored before migration 0014
        conn.execute(delete(calendar_occurrences))
        conn.execute(delete(calendar_spans))
    assert served.query("20260602T000000Z", "20260603T000000Z") == ["old.ics"]
    done = served.server.cli("reindex", check=True)
    assert "calendar object" in done.stdout
    assert served.rows() > 0
    assert served.query("20260602T000000Z", "20260603T000000Z") == ["old.ics"]
    assert served.query("20260605T000000Z", "20260606T000000Z") == []


"""Differential test: calendar-query time-ranges from the occurrence index against
Radicale's own expansion (cms_dav.calendars.occurrence_query).

Two WSGI stacks in this process over one database: ``application(settings)`` with the
index (``[storage] occurrence_horizon_days`` short, so queries often reach past the
horizon) and one with ``occurrence_horizon_days = 0``, where every candidate goes
through Radicale's filter as in stock Radicale. Hypothesis generates calendars
(recurring events with COUNT, UNTIL or no end, EXDATE, RDATE, RECURRENCE-ID overrides,
UTC, zoned, floating and all-day times, tasks and journals) written through the
indexed stack, then time-range queries (open and closed ranges, each component, some
with a further prop-filter); both answers must be byte-identical. In-process, as
tests/wsgi/test_fast_listing_differential.py and for the same reasons: one database
for both stacks, milliseconds per request. ``CMS_DAV_FUZZ_EXAMPLES=N`` raises the count.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.server import application
from tests.conftest import backend_config
from tests.wsgi.wsgi_call import Answer, WSGIApp, call

EXAMPLES = int(os.environ.get("CMS_DAV_FUZZ_EXAMPLES") or 12)
#: horizon of the indexed stack: objects are written in 2026, queries reach 2031
HORIZON_DAYS = 400
XML = {"Content-Type": "application/xml; charset=utf-8"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
TIMEZONE = ("BEGIN:VTIMEZONE\r\nTZID:Test/Plus0530\r\nBEGIN:STANDARD\r\n"
            "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\n"
            "END:STANDARD\r\nEND:VTIMEZONE\r\n")


@dataclass
class World:
    indexed: WSGIApp
    expanded: WSGIApp

    def query(self, path: str, body: bytes) -> tuple[Answer, Answer]:
        headers = {**XML, "Depth": "1"}
        return (call(self.indexed, "REPORT", path, body, headers),
                call(self.expanded, "REPORT", path, body, headers))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("occurrences")
    with backend_config(request.param, data_dir) as config:
        yield build_world(data_dir, config)


def build_world(data_dir: Path, config: Path | None) -> World:
    base = load_settings(data_dir=data_dir, config_file=config)
    HtpasswdFile(base.htpasswd_file, rounds=4).add("alice", "alice-pw")
    return World(application(dataclasses.replace(base, occurrence_horizon_days=HORIZON_DAYS)),
                 application(dataclasses.replace(base, occurrence_horizon_days=0)))


# -- objects ---------------------------------------------------------------------------
START = datetime(2026, 1, 1, 8, 0)


def stamp(when: datetime | date, form: str) -> str:
    """A DTSTART-like property value and its parameters in ``form``."""
    if form == "date":
        return f";VALUE=DATE:{when:%Y%m%d}"
    if form == "utc":
        return f":{when:%Y%m%dT%H%M%S}Z"
    if form == "zoned":
        return f";TZID=Test/Plus0530:{when:%Y%m%dT%H%M%S}"
    return f":{when:%Y%m%dT%H%M%S}"  # floating


@st.composite
def events(draw: st.DrawFn, uid: str) -> str:
    form = draw(st.sampled_from(["utc", "utc", "zoned", "floating", "date"]))
    start = START + timedelta(days=draw(st.integers(0, 500)),
                              hours=draw(st.integers(0, 15)))
    first: datetime | date = start.date() if form == "date" else start
    lines = [f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART{stamp(first, form)}",
             "SUMMARY:meeting"]
    length = draw(st.sampled_from(["dtend", "duration", "none"]))
    if length == "dtend":
        later = first + timedelta(days=draw(st.integers(0, 2)) + (form == "date"),
                                  hours=0 if form == "date" else draw(st.integers(0, 5)))
        lines.append(f"DTEND{stamp(later, form)}")
    elif length == "duration":
        lines.append(draw(st.sampled_from(["DURATION:PT1H", "DURATION:P2D", "DURATION:PT0S"])))
    freq = draw(st.sampled_from(["", "", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "DAILY",
                                 "WEEKLY", "HOURLY"]))
    overrides: list[str] = []
    if freq:
        rule = f"RRULE:FREQ={freq};INTERVAL={draw(st.integers(1, 3))}"
        end = draw(st.sampled_from(["count", "until", "endless"]))
        if end == "count":
            rule += f";COUNT={draw(st.integers(1, 30))}"
        elif end == "until" or freq == "HOURLY":
            # an hourly rule of 100 days has more occurrences than one object's rows
            until = start + timedelta(days=draw(st.integers(1, 100 if freq == "HOURLY"
                                                            else 300)))
            rule += f";UNTIL={until:%Y%m%dT%H%M%S}Z" if form != "date" else \
                f";UNTIL={until:%Y%m%d}"
        lines.append(rule)
        step = {"DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1),
                "MONTHLY": timedelta(days=31), "YEARLY": timedelta(days=366),
                "HOURLY": timedelta(hours=1)}[freq]
        if draw(st.booleans()) and freq in ("DAILY", "WEEKLY", "HOURLY"):
            lines.append(f"EXDATE{stamp(first + step * draw(st.integers(0, 3)), form)}")
        if draw(st.booleans()):
            lines.append(f"RDATE{stamp(first + timedelta(days=draw(st.integers(1, 900))), form)}")
        if draw(st.booleans()) and freq in ("DAILY", "WEEKLY"):
            instance = first + step * draw(st.integers(1, 3))
            moved = instance + timedelta(days=draw(st.integers(-40, 400)))
            overrides.append(f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
                             f"RECURRENCE-ID{stamp(instance, form)}\r\n"
                             f"DTSTART{stamp(moved, form)}\r\nSUMMARY:moved\r\nEND:VEVENT\r\n")
    zone = TIMEZONE if form == "zoned" else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav tests//EN\r\n" + zone
            + "BEGIN:VEVENT\r\n" + "\r\n".join(lines) + "\r\nEND:VEVENT\r\n"
            + "".join(overrides) + "END:VCALENDAR\r\n")


@st.composite
def others(draw: st.DrawFn, uid: str) -> str:
    """A task (DTSTART, DUE, DURATION, COMPLETED in RFC 4791 §9.9's combinations) or a
    journal entry, sometimes recurring."""
    when = START + timedelta(days=draw(st.integers(0, 500)))
    if draw(st.booleans()):
        lines = [f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART:{when:%Y%m%dT%H%M%S}Z"]
        if draw(st.booleans()):
            lines.append(f"RRULE:FREQ=WEEKLY;COUNT={draw(st.integers(1, 10))}")
        body = "BEGIN:VJOURNAL\r\n" + "\r\n".join(lines) + "\r\nEND:VJOURNAL\r\n"
    else:
        lines = [f"UID:{uid}", "DTSTAMP:20260101T000000Z", "SUMMARY:task"]
        parts = draw(st.sets(st.sampled_from(["dtstart", "due", "duration", "completed"])))
        if "dtstart" in parts:
            lines.append(f"DTSTART:{when:%Y%m%dT%H%M%S}Z")
        if "due" in parts:
            lines.append(f"DUE:{when + timedelta(days=draw(st.integers(1, 9))):%Y%m%dT%H%M%S}Z")
        elif "duration" in parts and "dtstart" in parts:
            lines.append("DURATION:PT2H")
        if "completed" in parts:
            lines.append(f"COMPLETED:{when:%Y%m%dT%H%M%S}Z")
        if "dtstart" in parts and draw(st.booleans()):
            lines.append("RRULE:FREQ=DAILY;INTERVAL=7")
        body = "BEGIN:VTODO\r\n" + "\r\n".join(lines) + "\r\nEND:VTODO\r\n"
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav tests//EN\r\n" + body
            + "END:VCALENDAR\r\n")


def objects(uid: str) -> st.SearchStrategy[str]:
    return st.one_of(events(uid), events(uid), events(uid), others(uid))


# -- queries ---------------------------------------------------------------------------
C = "urn:ietf:params:xml:ns:caldav"


@st.composite
def queries(draw: st.DrawFn) -> bytes:
    start = datetime(2025, 10, 1) + timedelta(hours=draw(st.integers(0, 6 * 365 * 24)))
    end = start + draw(st.sampled_from([timedelta(hours=1), timedelta(days=7),
                                        timedelta(days=31), timedelta(days=400)]))
    shape = draw(st.sampled_from(["both", "both", "start", "end"]))
    attrs = "".join([f' start="{start:%Y%m%dT%H%M%S}Z"' if shape != "end" else "",
                     f' end="{end:%Y%m%dT%H%M%S}Z"' if shape != "start" else ""])
    component = draw(st.sampled_from(["VEVENT", "VEVENT", "VTODO", "VJOURNAL"]))
    extra = ('<C:prop-filter name="SUMMARY"><C:text-match>moved</C:text-match>'
             '</C:prop-filter>' if draw(st.integers(0, 4)) == 0 else "")
    return (f'<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" '
            f'xmlns:C="{C}"><D:prop><D:getetag/></D:prop><C:filter>'
            f'<C:comp-filter name="VCALENDAR"><C:comp-filter name="{component}">'
            f'<C:time-range{attrs}/>{extra}</C:comp-filter></C:comp-filter>'
            f'</C:filter></C:calendar-query>').encode()


# -- the test --------------------------------------------------------------------------
def fill(world: World, data: st.DataObject, name: str) -> str:
    path = f"/alice/{name}/"
    made = call(world.indexed, "MKCALENDAR", path, b"", XML)
    assert made.code == 201, made
    for index in range(data.draw(st.integers(1, 8), label="objects")):
        uid = f"{name}-{index}"
        text = data.draw(objects(uid), label=uid)
        answer = call(world.indexed, "PUT", f"{path}{uid}.ics", text.encode(), ICS)
        assert answer.code == 201, (answer, text)
    return path


def test_a_time_range_query_answers_as_radicales_expansion(world: World) -> None:
    counter = iter(range(10_000))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        path = fill(world, data, f"cal{next(counter)}")
        for _ in range(8):
            body = data.draw(queries(), label="query")
            indexed, expanded = world.query(path, body)
            assert expanded.code == 207, expanded
            assert (indexed.code, indexed.body) == (expanded.code, expanded.body), body

    check()

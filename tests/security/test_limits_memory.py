"""Peak server memory stays bounded through the issue's hostile requests (issue 10,
item 3: under 300 MB). The server's VmHWM (/proc/PID/status) is read after each attack;
the figures are printed (run with ``-s``) for the closing note."""

from __future__ import annotations

from typing import Callable

import requests

from tests.support.server import ServerProcess

from tests.security.limits_support import (
    CALENDAR_QUERY, EXPAND, peak_memory_kb, put, report, session, vcard, vevent,
)

LIMIT_KB = 300 * 1024
USER = "alice"


def _attacks(url: str) -> list[tuple[str, Callable[[], requests.Response]]]:
    client = session(USER)
    book, calendar = f"{url}/alice/contacts/", f"{url}/alice/calendar/"
    propfind = ('<D:propfind xmlns:D="DAV:" xmlns:X="urn:x"><D:prop>'
                + "".join(f"<X:p{n}/>" for n in range(500_000)) + "</D:prop></D:propfind>")
    proppatch = ('<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>'
                 + "N" * 5_000_000 + "</D:displayname></D:prop></D:set></D:propertyupdate>")
    return [
        ("7.5 MB PHOTO card", lambda: put(client, book + "photo.vcf", vcard(
            "photo", "PHOTO;ENCODING=b:" + "A" * 7_500_000 + "\r\n"))),
        ("PROPFIND naming 500,000 properties", lambda: client.request(
            "PROPFIND", url + "/alice/", data=propfind, headers={"Depth": "0"})),
        ("10,000 TEL properties", lambda: put(client, book + "tel.vcf", vcard(
            "tel", "".join(f"TEL:+4861{n:07d}\r\n" for n in range(10_000))))),
        ("7 MB property line", lambda: put(client, book + "line.vcf", vcard(
            "line", "NOTE:" + "x" * 7_000_000 + "\r\n"))),
        ("expand FREQ=SECONDLY over 99 years", lambda: report(
            client, calendar, CALENDAR_QUERY.format(
                start="20000101T000000Z", end="20991231T000000Z",
                data=EXPAND.format(start="20000101T000000Z", end="20991231T000000Z")))),
        ("time-range in 2125", lambda: report(client, calendar, CALENDAR_QUERY.format(
            start="21250101T000000Z", end="21250102T000000Z", data=""))),
        ("5 MB displayname", lambda: client.request(
            "PROPPATCH", book, data=proppatch, headers={"Content-Type": "application/xml"})),
        ("XML nested 100,000 deep", lambda: client.request(
            "PROPFIND", url + "/alice/", data="<a>" * 100_000 + "</a>" * 100_000)),
    ]


def test_peak_server_memory_stays_under_300_mb_through_the_hostile_requests(
        limits_server: ServerProcess) -> None:
    server = limits_server
    calendar = f"{server.url}/alice/calendar/"
    assert put(session(USER), calendar + "tick.ics", vevent(
        "tick", "FREQ=SECONDLY;COUNT=10000", "20260101T000000Z", "20260101T000001Z"),
        "calendar").status_code == 201
    figures = [("before the attacks", peak_memory_kb(server))]
    for name, attack in _attacks(server.url):
        answer = attack()
        assert 400 <= answer.status_code < 500 and answer.text.strip(), (name, answer)
        figures.append((f"{name} -> {answer.status_code}", peak_memory_kb(server)))
    assert session(USER).get(f"{server.url}/alice/calendar/tick.ics").status_code == 200
    for name, kilobytes in figures:
        print(f"VmHWM {kilobytes / 1024:7.1f} MB  {name}")
    assert max(kb for _, kb in figures) < LIMIT_KB, figures

"""The memory attacks of issue 10, item 3, as requests against a running server.

Each attack is one request a hostile (or merely broken) client can send with a valid
login. Before any limit, each cost the server hundreds of MB to GBs (figures in the
issue). The bodies are built here so the test only has to send them.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import Callable

import requests

from tests.support.dav import vcard

BOOK = "/alice/attack-book/"
CALENDAR = "/alice/attack-calendar/"
SMALL_BOOK = "/alice/contacts/"
XML = {"Content-Type": "application/xml; charset=utf-8"}
VCARD = {"Content-Type": "text/vcard; charset=utf-8"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}

#: the event the calendar attacks query: every second for ever (RFC 5545 section
#: 3.3.10, no COUNT/UNTIL) or, where a server refuses that at PUT, the longest series it
#: takes
SECONDLY_COUNTS: tuple[int | None, ...] = (None, 100_000, 10_000)


def secondly_event(count: int | None) -> str:
    rule = "FREQ=SECONDLY" + (f";COUNT={count}" if count else "")
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav tests//EN\r\n"
            "BEGIN:VEVENT\r\nUID:every-second\r\nDTSTAMP:20260101T000000Z\r\n"
            "DTSTART:20260101T000000Z\r\nDTEND:20260101T000001Z\r\n"
            f"RRULE:{rule}\r\nSUMMARY:Every second\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@dataclass(frozen=True)
class Attack:
    name: str
    send: Callable[[requests.Session, str, float], requests.Response]


def _fold(line: str) -> str:
    """RFC 6350 section 3.2: lines longer than 75 octets are folded (CRLF + space)."""
    return "\r\n ".join(line[i:i + 75] for i in range(0, len(line), 75)) + "\r\n"


def photo_card(megabytes: float = 7.5) -> str:
    """A card carrying a base64 PHOTO, ``megabytes`` MB in all (RFC 2426 section 3.1.4)."""
    raw = random.Random(10).randbytes(int(megabytes * 1_000_000 * 3 / 4))
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:" + base64.b64encode(raw).decode()
    return vcard("big-photo", "Big Photo", _fold(photo))


def many_tel_card(count: int = 10_000) -> str:
    return vcard("many-tel", "Many Phones",
                 "".join(f"TEL;TYPE=CELL:+48 600 {n:06d}\r\n" for n in range(count)))


def long_line_card(megabytes: float = 7.0) -> str:
    """One unfolded NOTE line of ``megabytes`` MB."""
    return vcard("long-line", "Long Line", "NOTE:" + "x" * int(megabytes * 1_000_000) + "\r\n")


def propfind_naming(count: int = 500_000) -> str:
    props = "".join(f"<x:p{n}/>" for n in range(count))
    return ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" '
            f'xmlns:x="urn:example:attack"><d:prop>{props}</d:prop></d:propfind>')


def deep_xml(depth: int = 100_000) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>'
            + "<d:x>" * depth + "</d:x>" * depth + "</d:prop></d:propfind>")


def calendar_query(start: str, end: str, expand: bool) -> str:
    """RFC 4791 section 7.8 (calendar-query) with a time-range filter (section 9.9) and,
    when ``expand``, recurrence expansion of the returned data (section 9.6.5)."""
    data = (f'<C:calendar-data><C:expand start="{start}" end="{end}"/></C:calendar-data>'
            if expand else "")
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f'<D:prop><D:getetag/>{data}</D:prop><C:filter><C:comp-filter name="VCALENDAR">'
            f'<C:comp-filter name="VEVENT"><C:time-range start="{start}" end="{end}"/>'
            '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>')


def displayname_patch(megabytes: float = 5.0) -> str:
    name = "n" * int(megabytes * 1_000_000)
    return ('<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:"><d:set>'
            f'<d:prop><d:displayname>{name}</d:displayname></d:prop></d:set>'
            '</d:propertyupdate>')


def _put(href: str, body: str, headers: dict[str, str]
         ) -> Callable[[requests.Session, str, float], requests.Response]:
    data = body.encode()
    return lambda s, url, timeout: s.put(url + href, data=data, headers=headers,
                                         timeout=timeout)


def _dav(method: str, href: str, body: str, depth: str | None = None
         ) -> Callable[[requests.Session, str, float], requests.Response]:
    data = body.encode()
    headers = {**XML, **({"Depth": depth} if depth else {})}
    return lambda s, url, timeout: s.request(method, url + href, data=data, headers=headers,
                                             timeout=timeout)


def attacks() -> list[Attack]:
    """The issue's attacks, the calendar ones last: before the fix they keep a worker
    busy long after the client gave up, which would blur the figures of the others."""
    return [
        Attack("PUT 7.5 MB PHOTO card", _put(BOOK + "photo.vcf", photo_card(), VCARD)),
        Attack("PROPFIND naming 500,000 properties",
               _dav("PROPFIND", SMALL_BOOK, propfind_naming(), depth="1")),
        Attack("PUT vCard with 10,000 TEL lines",
               _put(BOOK + "tel.vcf", many_tel_card(), VCARD)),
        Attack("PUT 7 MB property line", _put(BOOK + "line.vcf", long_line_card(), VCARD)),
        Attack("PROPFIND 100,000-deep XML", _dav("PROPFIND", SMALL_BOOK, deep_xml(), "0")),
        Attack("PROPPATCH 5 MB displayname", _dav("PROPPATCH", BOOK, displayname_patch())),
        Attack("calendar-query expand 100 years of FREQ=SECONDLY",
               _dav("REPORT", CALENDAR, calendar_query("20260101T000000Z", "21260101T000000Z",
                                                       expand=True), depth="1")),
        Attack("calendar-query time-range in 2125 on FREQ=SECONDLY",
               _dav("REPORT", CALENDAR, calendar_query("21250101T000000Z", "21260101T000000Z",
                                                       expand=False), depth="1")),
    ]

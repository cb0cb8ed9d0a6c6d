"""Shared pieces of the limits tests: servers, DAV bodies, refusal checks, memory probe."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from tests.support.server import ServerProcess

CALENDAR_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/>{data}</D:prop><C:filter><C:comp-filter name="VCALENDAR">
<C:comp-filter name="VEVENT"><C:time-range start="{start}" end="{end}"/>
</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"""

EXPAND = '<C:calendar-data><C:expand start="{start}" end="{end}"/></C:calendar-data>'

ADDRESSBOOK_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/></D:prop><CR:filter><CR:prop-filter name="FN">
<CR:text-match match-type="contains">a</CR:text-match></CR:prop-filter></CR:filter>
</CR:addressbook-query>"""


def start_server(folder: Path, config: str = "", users: tuple[str, ...] = ("alice",)
                 ) -> ServerProcess:
    folder.mkdir(parents=True, exist_ok=True)
    config_path = None
    if config:
        config_path = folder / "cms-dav.conf"
        config_path.write_text(config, encoding="utf-8")
    server = ServerProcess(data_dir=folder, config=config_path)
    for user in users:
        server.add_user(user, f"{user}-pw")
    return server.start()


@contextmanager
def running(folder: Path, config: str = "", users: tuple[str, ...] = ("alice",)
            ) -> Iterator[ServerProcess]:
    server = start_server(folder, config, users)
    try:
        yield server
    finally:
        server.stop()


def session(user: str = "alice") -> requests.Session:
    client = requests.Session()
    client.auth = (user, f"{user}-pw")
    return client


def vevent(uid: str, rule: str = "", start: str = "20261201T100000Z",
           end: str = "20261201T110000Z") -> str:
    rrule = f"RRULE:{rule}\r\n" if rule else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav limits//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\n"
            f"DTEND:{end}\r\n{rrule}SUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def vcard(uid: str, extra: str = "") -> str:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Anna {uid}\r\n"
            f"N:{uid};Anna;;;\r\n{extra}END:VCARD\r\n")


def put(client: requests.Session, url: str, text: str, kind: str = "vcard"
        ) -> requests.Response:
    return client.put(url, data=text.encode("utf-8"),
                      headers={"Content-Type": f"text/{kind}; charset=utf-8"})


def report(client: requests.Session, url: str, body: str) -> requests.Response:
    return client.request("REPORT", url, data=body.encode("utf-8"),
                          headers={"Depth": "1", "Content-Type": "application/xml"})


def hrefs(client: requests.Session, url: str) -> set[str]:
    """The item hrefs PROPFIND Depth 1 lists in a collection."""
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
            '</D:prop></D:propfind>')
    answer = client.request("PROPFIND", url, data=body, headers={"Depth": "1"})
    assert answer.status_code == 207, answer.text
    found = set(re.findall(r"<[^>]*href>([^<]+)</[^>]*href>", answer.text))
    path = url.split("//", 1)[1].partition("/")[2]
    return {h for h in found if h.rstrip("/") != "/" + path.rstrip("/")}


def peak_memory_kb(server: ServerProcess) -> int:
    """The server process's peak resident memory (VmHWM) in kB."""
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


def assert_refusal(answer: requests.Response, status: int, precondition: str | None,
                   words: str) -> None:
    """The status, the precondition element (if any) and a description naming the limit."""
    assert answer.status_code == status, (answer.status_code, answer.text[:500])
    if precondition is not None:
        assert answer.headers["Content-Type"].startswith("application/xml")
        assert f"<{precondition}/>" in answer.text, answer.text[:500]
        assert "<cms:description>" in answer.text
    else:
        assert answer.headers["Content-Type"].startswith("text/plain")
    assert words in answer.text, answer.text[:500]

"""Small raw-HTTP helpers for DAV requests in tests."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import requests

NS = {"d": "DAV:", "cr": "urn:ietf:params:xml:ns:carddav",
      "c": "urn:ietf:params:xml:ns:caldav", "cs": "http://calendarserver.org/ns/"}

MKADDRESSBOOK = """<?xml version="1.0" encoding="utf-8"?>
<d:mkcol xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>
<d:resourcetype><d:collection/><cr:addressbook/></d:resourcetype>
<d:displayname>{name}</d:displayname></d:prop></d:set></d:mkcol>"""

MKCALENDAR = """<?xml version="1.0" encoding="utf-8"?>
<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
<d:displayname>{name}</d:displayname></d:prop></d:set></c:mkcalendar>"""


def vcard(uid: str, fn: str, extra: str = "") -> str:
    family, _, given = fn.partition(" ")
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"UID:{uid}\r\nFN:{fn}\r\nN:{given};{family};;;\r\n{extra}END:VCARD\r\n")


def vevent(uid: str, summary: str, start: str = "20261201T100000Z",
           end: str = "20261201T110000Z") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav tests//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\n"
            f"DTEND:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def make_addressbook(session: requests.Session, url: str, name: str = "Contacts") -> None:
    response = session.request("MKCOL", url, data=MKADDRESSBOOK.format(name=name).encode(),
                               headers={"Content-Type": "application/xml"})
    assert response.status_code == 201, response.text


def make_calendar(session: requests.Session, url: str, name: str = "Calendar") -> None:
    response = session.request("MKCALENDAR", url, data=MKCALENDAR.format(name=name).encode(),
                               headers={"Content-Type": "application/xml"})
    assert response.status_code == 201, response.text


def put_card(session: requests.Session, url: str, text: str, **headers: str
             ) -> requests.Response:
    return session.put(url, data=text.encode("utf-8"),
                       headers={"Content-Type": "text/vcard; charset=utf-8", **headers})


def propfind(session: requests.Session, url: str, body: str, depth: str = "1"
             ) -> requests.Response:
    return session.request("PROPFIND", url, data=body.encode(),
                           headers={"Depth": depth, "Content-Type": "application/xml"})


def report(session: requests.Session, url: str, body: str, depth: str = "1"
           ) -> requests.Response:
    return session.request("REPORT", url, data=body.encode(),
                           headers={"Depth": depth, "Content-Type": "application/xml"})


def sync_collection(session: requests.Session, url: str, token: str = ""
                    ) -> tuple[requests.Response, str, dict[str, int]]:
    """Returns (response, new token, {href: status}) where status 404 means deleted."""
    body = ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
            f'<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>'
            '<d:prop><d:getetag/></d:prop></d:sync-collection>')
    response = session.request("REPORT", url, data=body.encode(),
                               headers={"Content-Type": "application/xml"})
    if response.status_code != 207:
        return response, "", {}
    root = ET.fromstring(response.content)
    new_token = root.findtext("d:sync-token", namespaces=NS) or ""
    statuses: dict[str, int] = {}
    for resp in root.findall("d:response", NS):
        href = resp.findtext("d:href", namespaces=NS) or ""
        status = resp.findtext("d:status", namespaces=NS) or \
            resp.findtext("d:propstat/d:status", namespaces=NS) or ""
        statuses[href] = int(status.split()[1]) if status else 0
    return response, new_token, statuses


def hrefs(response: requests.Response) -> list[str]:
    root = ET.fromstring(response.content)
    return [el.text or "" for el in root.findall("d:response/d:href", NS)]


GETETAG = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/>'
           '</d:prop></d:propfind>')


def empty_collection(session: requests.Session, url: str) -> None:
    """Delete every member of the collection at ``url``: a test sharing a module's server
    leaves a default book (``/alice/contacts/``) as the next test expects to find it."""
    parts = urlsplit(url)
    for href in hrefs(propfind(session, url, GETETAG)):
        if href.rstrip("/") != parts.path.rstrip("/"):
            response = session.delete(f"{parts.scheme}://{parts.netloc}{href}")
            assert response.status_code in (200, 204), f"DELETE {href}: {response.text}"

"""Helpers for the generated-calendar tests: cards with dates, and reading a calendar."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import requests

from tests.support.dav import NS, propfind

HREFS_AND_NAMES = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:">'
                   '<d:prop><d:displayname/><d:resourcetype/></d:prop></d:propfind>')


def card(uid: str, fn: str, lines: str = "", version: str = "3.0") -> str:
    family, _, given = fn.partition(" ")
    return (f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:{uid}\r\nFN:{fn}\r\n"
            f"N:{given};{family};;;\r\n{lines}END:VCARD\r\n")


def put(session: requests.Session, url: str, text: str) -> None:
    response = session.put(url, data=text.encode(), headers={"Content-Type": "text/vcard"})
    assert response.status_code in (201, 204), response.text


def children(session: requests.Session, url: str) -> dict[str, str]:
    """{href: displayname} of a Depth 1 PROPFIND (without the collection itself)."""
    response = propfind(session, url, HREFS_AND_NAMES)
    assert response.status_code == 207, response.text
    found = {}
    for each in ET.fromstring(response.content).findall("d:response", NS):
        href = each.findtext("d:href", namespaces=NS) or ""
        found[href] = each.findtext("d:propstat/d:prop/d:displayname", namespaces=NS) or ""
    found.pop(urlsplit(url).path, None)
    return found


def calendar(session: requests.Session, url: str) -> dict[str, str]:
    """{href: text} of every object in the calendar at ``url``."""
    response = propfind(session, url, HREFS_AND_NAMES)
    assert response.status_code == 207, response.text
    texts = {}
    for each in ET.fromstring(response.content).findall("d:response", NS):
        href = each.findtext("d:href", namespaces=NS) or ""
        if href.endswith(".ics"):
            parts = urlsplit(url)
            got = session.get(f"{parts.scheme}://{parts.netloc}{href}")
            assert got.status_code == 200, got.text
            texts[href] = got.text
    return texts


def unfolded(text: str) -> str:
    return text.replace("\r\n ", "").replace("\r\n\t", "")

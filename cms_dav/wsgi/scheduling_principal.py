"""The scheduling properties of a principal (RFC 6638 §2.1-2.4.1), added to Radicale's
PROPFIND answer: ``schedule-inbox-URL``, ``schedule-outbox-URL`` and a
``calendar-user-address-set`` holding the user's ``mailto:`` addresses and principal
URL (Radicale gives only the URL). Radicale reports the first two as 404; this moves
each requested one to the 200 propstat with its value."""

from __future__ import annotations

from typing import Sequence
from xml.etree import ElementTree as ET

from cms_dav.scheduling.mailboxes import INBOX, OUTBOX
from cms_dav.wsgi.listing_request import CALDAV, DAV

INBOX_URL, OUTBOX_URL = CALDAV + "schedule-inbox-URL", CALDAV + "schedule-outbox-URL"
ADDRESS_SET = CALDAV + "calendar-user-address-set"
USER_TYPE = CALDAV + "calendar-user-type"
SCHEDULING_PROPS = (INBOX_URL, OUTBOX_URL, ADDRESS_SET, USER_TYPE)


def with_scheduling_props(body: bytes, principal: str, addresses: Sequence[str]
                          ) -> tuple[bytes, set[str]] | None:
    """Radicale's multistatus ``body`` with the scheduling props of ``principal`` (its
    href) filled in, and the props it filled; None when none was asked for (the answer
    stands)."""
    ET.register_namespace("", "DAV:")
    ET.register_namespace("C", CALDAV[1:-1])
    root = ET.fromstring(body)
    filled: set[str] = set()
    for response in root.findall(DAV + "response"):
        if (response.findtext(DAV + "href") or "") != principal:
            continue
        found = take_requested(response, SCHEDULING_PROPS)
        if found:
            status_prop(response).extend(_value(tag, principal, addresses) for tag in found)
            filled.update(found)
    if not filled:
        return None
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), filled


def take_requested(response: ET.Element, names: Sequence[str]) -> list[str]:
    """The props ``names`` in ``response``, removed from wherever Radicale put them."""
    found: list[str] = []
    for propstat in response.findall(DAV + "propstat"):
        prop = propstat.find(DAV + "prop")
        if prop is None:
            continue
        for element in list(prop):
            if element.tag in names:
                prop.remove(element)
                found.append(element.tag)
        if len(prop) == 0:
            response.remove(propstat)
    return found


def status_prop(response: ET.Element, status: str = "200 OK") -> ET.Element:
    """The ``prop`` of ``response``'s propstat with ``status`` (e.g. "200 OK", "404 Not
    Found"; RFC 4918 §9.1), made if missing."""
    code = status.split()[0]
    for propstat in response.findall(DAV + "propstat"):
        if code in (propstat.findtext(DAV + "status") or ""):
            prop = propstat.find(DAV + "prop")
            if prop is not None:
                return prop
    propstat = ET.SubElement(response, DAV + "propstat")
    prop = ET.SubElement(propstat, DAV + "prop")
    ET.SubElement(propstat, DAV + "status").text = f"HTTP/1.1 {status}"
    return prop


def _value(tag: str, principal: str, addresses: Sequence[str]) -> ET.Element:
    element = ET.Element(tag)
    if tag == USER_TYPE:
        element.text = "INDIVIDUAL"
        return element
    values = {INBOX_URL: (principal + INBOX + "/",), OUTBOX_URL: (principal + OUTBOX + "/",)
              }.get(tag, addresses)
    for value in values:
        ET.SubElement(element, DAV + "href").text = value
    return element

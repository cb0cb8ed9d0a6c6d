"""The scheduling inbox and outbox as RFC 6638 names them in PROPFIND answers.

The inbox is stored as a calendar collection (so Radicale serves its messages, their
GET, sync and queries) and the outbox as a plain collection; clients tell them from
calendars by their resource types (RFC 6638 §2.2 ``CALDAV:schedule-inbox``, §2.1
``CALDAV:schedule-outbox``), so this edits Radicale's (or the fast listing's)
multistatus: the inbox's ``CALDAV:calendar`` becomes ``CALDAV:schedule-inbox``, the
outbox gains ``CALDAV:schedule-outbox``, and a requested
``schedule-default-calendar-URL`` (§9.2) on the inbox gets the user's default calendar.
Without the calendar type, caldav, Apple Calendar and Thunderbird no longer list the
inbox as a calendar.
"""

from __future__ import annotations

from urllib.parse import unquote
from xml.etree import ElementTree as ET

from cms_dav.scheduling.mailboxes import INBOX, OUTBOX
from cms_dav.wsgi.listing_request import CALDAV, DAV, RESOURCETYPE
from cms_dav.wsgi.scheduling_principal import status_prop, take_requested

CALENDAR = CALDAV + "calendar"
SCHEDULE_INBOX, SCHEDULE_OUTBOX = CALDAV + "schedule-inbox", CALDAV + "schedule-outbox"
DEFAULT_CALENDAR_URL = CALDAV + "schedule-default-calendar-URL"


def with_mailbox_types(body: bytes, principal: str, default_calendar: str) -> bytes | None:
    """``body`` (a multistatus) with the mailboxes of ``principal`` (its href) typed as
    RFC 6638 says; None when it names neither (the answer stands)."""
    wanted = {principal + INBOX + "/": SCHEDULE_INBOX,
              principal + OUTBOX + "/": SCHEDULE_OUTBOX}
    if f"/{INBOX}/".encode() not in body and f"/{OUTBOX}/".encode() not in body:
        return None  # cheap: most answers name no mailbox
    ET.register_namespace("", "DAV:")
    ET.register_namespace("C", CALDAV[1:-1])
    root = ET.fromstring(body)
    changed = False
    for response in root.findall(DAV + "response"):
        kind = wanted.get(unquote(response.findtext(DAV + "href") or ""))
        if kind is None:
            continue
        for resourcetype in response.iter(RESOURCETYPE):
            if resourcetype.find(DAV + "collection") is None:
                continue  # a propname answer names the property without a value
            for calendar in resourcetype.findall(CALENDAR):
                resourcetype.remove(calendar)
            if resourcetype.find(kind) is None:
                ET.SubElement(resourcetype, kind)
            changed = True
        if kind == SCHEDULE_INBOX and take_requested(response, (DEFAULT_CALENDAR_URL,)):
            value = ET.SubElement(status_prop(response), DEFAULT_CALENDAR_URL)
            ET.SubElement(value, DAV + "href").text = default_calendar
            changed = True
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) if changed else None

"""Free-busy through the outbox: ``POST`` of a VFREEBUSY REQUEST to the caller's own
``schedule-outbox-URL`` (RFC 6638 §3.2.9) answered with a ``schedule-response``
(RFC 6638 §10.1) holding one VFREEBUSY reply per recipient. A recipient who is not a
local user the caller may know of gets request status 3.7 (RFC 6638 §3.2.10)."""

from __future__ import annotations

from typing import Any, Callable
from xml.etree import ElementTree as ET

from cms_dav.acl.policy import Policy
from cms_dav.acl.visibility import may_know_of
from cms_dav.scheduling.addresses import Addresses
from cms_dav.scheduling.freebusy import busy_periods, parse_query, reply
from cms_dav.store.store import Store
from cms_dav.wsgi.listing_request import CALDAV, DAV

#: recipients of one free-busy request
MAX_RECIPIENTS = 100


class FreeBusyAnswerer:
    """Makes the schedule-response of a free-busy POST (FreeBusyError: a 400)."""

    def __init__(self, store: Store, addresses: Addresses, policy: Policy, scope: str,
                 max_instances: int) -> None:
        self.store = store
        self.addresses = addresses
        self.policy = policy
        self.scope = scope
        self.max_instances = max_instances

    def answer(self, caller: str, text: str) -> bytes:
        query = parse_query(text, MAX_RECIPIENTS)
        ET.register_namespace("C", CALDAV[1:-1])
        ET.register_namespace("", "DAV:")
        root = ET.Element(CALDAV + "schedule-response")
        for attendee in query.attendees:
            response = ET.SubElement(root, CALDAV + "response")
            recipient = ET.SubElement(response, CALDAV + "recipient")
            ET.SubElement(recipient, DAV + "href").text = attendee
            user = self.addresses.user_of(attendee)
            if user is None or not may_know_of(self.policy, caller, self.scope, [user]):
                ET.SubElement(response, CALDAV + "request-status").text = \
                    "3.7;Invalid calendar user"
                continue
            periods = busy_periods(self.store, user, query.start, query.end,
                                   self.max_instances)
            ET.SubElement(response, CALDAV + "request-status").text = "2.0;Success"
            ET.SubElement(response, CALDAV + "calendar-data").text = \
                reply(query, attendee, periods)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def send_xml(start_response: Callable[..., Any], body: bytes) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]

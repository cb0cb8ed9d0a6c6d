"""A refused request: its status, the DAV precondition it violates, and why, in words.

Rendered as a DAV ``error`` body (RFC 4918 §16) holding the precondition element and a
``cms:description`` with the human-readable reason, or as text/plain when no
precondition applies.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACES = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav",
              "CR": "urn:ietf:params:xml:ns:carddav", "cms": "urn:cms-dav:errors"}

#: statuses by code, with the reason phrase the WSGI status line needs
REASONS = {400: "Bad Request", 403: "Forbidden", 413: "Request Entity Too Large",
           507: "Insufficient Storage"}


class LimitExceeded(ValueError):
    """A limit of ``[limits]`` refused the request; nothing was stored.

    A ValueError so that Radicale, when the refusal is raised inside it, rolls back and
    answers 400; the limits layer then replaces that answer with :meth:`render`.
    """

    def __init__(self, status: int, precondition: str | None, description: str) -> None:
        super().__init__(description)
        self.status = status
        #: "PREFIX:name" with a prefix of NAMESPACES, e.g. "CR:max-resource-size"
        self.precondition = precondition
        self.description = description

    def render(self) -> tuple[str, list[tuple[str, str]], bytes]:
        """(status line, headers, body) of the refusal."""
        status = f"{self.status} {REASONS.get(self.status, 'Error')}"
        if self.precondition is None:
            body = (self.description + "\n").encode("utf-8")
            kind = "text/plain; charset=utf-8"
        else:
            body = error_xml(self.precondition, self.description)
            kind = "application/xml; charset=utf-8"
        return status, [("Content-Type", kind), ("Content-Length", str(len(body)))], body


def error_xml(precondition: str, description: str) -> bytes:
    """``<D:error><PRECONDITION/><cms:description>why</cms:description></D:error>``."""
    declarations = " ".join(f'xmlns:{p}="{uri}"' for p, uri in NAMESPACES.items())
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<D:error {declarations}>'
            f"<{precondition}/><cms:description>{_escaped(description)}</cms:description>"
            f"</D:error>\n").encode("utf-8")


def _escaped(text: str) -> str:
    """XML character data: ``&``, ``<`` and ``>`` escaped (what ``xml.sax.saxutils.escape``
    does, without importing it: it loads ``urllib.request``, ~4 ms of every ``cms-dav``
    command that imports a limit, issue 19 target 5)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Kind:
    """Which DAV namespace an item limit speaks: CardDAV or CalDAV."""
    prefix: str  # "CR" or "C"
    noun: str    # "vCard" or "iCalendar object"


CARD = Kind("CR", "vCard")
CALENDAR = Kind("C", "iCalendar object")


def kind_of(tag_or_text: str) -> Kind:
    """The namespace for a collection tag (VADDRESSBOOK/VCALENDAR) or an object's text."""
    head = tag_or_text.lstrip("\ufeff \r\n")[:64].upper()
    return CARD if "VCARD" in head or tag_or_text == "VADDRESSBOOK" else CALENDAR

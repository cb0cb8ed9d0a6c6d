"""``DAV:limit`` on sync-collection (RFC 6578 §3.6, limit element of RFC 5323 §5.17).

The fast listing answers a sync-collection with a limit one page at a time
(:mod:`cms_dav.store.sync_pages`): at most ``nresults`` names, and when more follow a
``507 Insufficient Storage`` response for the request-URI and a continuation token
that the client's next sync-collection resumes from (DAVx5 and python-caldav repeat
the report with the new token until no 507 comes).

RFC 6578 §3.6 lets a server that cannot truncate at or below the client's number
refuse with ``DAV:number-of-matches-within-limits``; this server always can (a page
is never larger than the client asked for, and never larger than
:data:`MAX_NRESULTS`), so that error is never needed. A limit that is not one
positive whole number is a malformed request: 400 naming the problem.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from cms_dav.wsgi.listing_request import DAV

#: the largest page: a bigger ``nresults`` gets pages of this size (still within the
#: client's limit, RFC 6578 §3.6); also the fast listing's calendar-data item bound
MAX_NRESULTS = 1000
#: digits of an nresults value read at all (a longer number is refused, not parsed)
_MAX_DIGITS = 9

STATUS_507 = "HTTP/1.1 507 Insufficient Storage"


class BadLimit(ValueError):
    """The request's ``DAV:limit`` is malformed (the message names how)."""


def requested_limit(root: ET.Element | None) -> int | None:
    """The page size a sync-collection ``root`` asks for, capped at MAX_NRESULTS;
    None without a ``DAV:limit``."""
    if root is None or root.tag != DAV + "sync-collection":
        return None
    limits = root.findall(DAV + "limit")
    if not limits:
        return None
    if len(limits) > 1:
        raise BadLimit("sync-collection: more than one DAV:limit element")
    counts = limits[0].findall(DAV + "nresults")
    if len(counts) != 1:
        raise BadLimit("sync-collection: DAV:limit must hold exactly one DAV:nresults "
                       "(RFC 5323 §5.17)")
    text = (counts[0].text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_DIGITS \
            or int(text) < 1:
        raise BadLimit(f"sync-collection: DAV:nresults must be a whole number from 1 "
                       f"(got {text[:20]!r})")
    return min(int(text), MAX_NRESULTS)


def truncation_response(escaped_href: str) -> bytes:
    """The ``<response>`` telling the client the answer was cut (RFC 6578 §3.6)."""
    return (f"<response><href>{escaped_href}</href><status>{STATUS_507}</status>"
            "</response>").encode("utf-8")

"""One parse of a multiget body, shared by the layers that read it.

A multiget of every card of a 10k-card book has a 10k-href body. Three layers read it:
the XML guard (DTDs, ``[limits]``), the request-shape check (empty hrefs) and the fast
listing (which hrefs, which props). Each used to parse it on its own, two of them with
a Python callback per element (about 23 µs per card together, issue 19). The guard now
parses a multiget once with the C tree builder, after an expat pass that has only the
DTD handlers (so it runs at C speed and still refuses every DTD before a tree is built),
and leaves the tree in the WSGI environ; the inner layers take it from there when the
body and Content-Type they see are the ones it was parsed from. A multiget whose hrefs
are one plain run (:mod:`cms_dav.wsgi.multiget_scan`) is kept as the tree of the rest and
the run's text: no element per href.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from cms_dav.wsgi.multiget_scan import Hrefs

#: the environ key the tree is kept under (one per request: no module state)
ENVIRON_KEY = "cms_dav.parsed_xml"


@dataclass(frozen=True)
class ParsedXml:
    body: bytes
    content_type: str
    root: ET.Element
    #: a multiget's hrefs when ``root`` was built without them (multiget_scan); None:
    #: ``root`` is the whole body
    hrefs: Hrefs | None = None


def remember(environ: dict[str, Any], parsed: ParsedXml) -> None:
    environ[ENVIRON_KEY] = parsed


def recall(environ: dict[str, Any], body: bytes, content_type: str) -> ParsedXml | None:
    """What was parsed from exactly ``body`` with ``content_type``, or None. The tree is
    shared: readers must not change it."""
    parsed = environ.get(ENVIRON_KEY)
    if not isinstance(parsed, ParsedXml) or parsed.content_type != content_type:
        return None
    if parsed.body is not body and parsed.body != body:
        return None
    return parsed


def forget(environ: dict[str, Any]) -> None:
    """Drop the tree kept for ``environ``'s request: a layer that has taken what it
    needs from it (the fast multiget's names) frees it before its answer streams (the
    tree of a 100,000-href multiget is ~17 MB of server memory, issue 19 target 7)."""
    environ.pop(ENVIRON_KEY, None)

"""Cheap checks of a request's shape that Radicale would otherwise answer with a 500.

Radicale indexes into XML bodies without checking them (``xml_request[0]`` of a
PROPFIND, ``urlparse(href.text)`` of a multiget) and decodes bodies with whatever
charset the Content-Type names. These checks run on bodies XmlGuard already
vetted (size, DTDs, well-formedness) with expat and no tree, and return the reason
for a 400, or None.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET
from xml.parsers import expat

from cms_dav.wsgi.body_charset import charset_problem
from cms_dav.wsgi.multiget_scan import Hrefs
from cms_dav.wsgi.parsed_xml import ParsedXml

__all__ = ["charset_problem", "xml_shape_problem"]

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"

#: method -> (namespace, local name) of the root element, with the RFC that defines it
ROOTS: dict[str, tuple[str, str, str]] = {
    "PROPFIND": (DAV, "propfind", "RFC 4918 §14.20"),
    "PROPPATCH": (DAV, "propertyupdate", "RFC 4918 §14.19"),
    "MKCOL": (DAV, "mkcol", "RFC 5689 §5.1"),
    "MKCALENDAR": (CALDAV, "mkcalendar", "RFC 4791 §9.3"),
}
PROPFIND_CHILDREN = {"prop", "allprop", "propname"}
MULTIGETS = {(CALDAV, "calendar-multiget"), (CARDDAV, "addressbook-multiget")}
MULTIGET_TAGS = frozenset(f"{{{namespace}}}{local}" for namespace, local in MULTIGETS)


NAMELESS_COMP = ("C:comp needs a name attribute, e.g. <C:comp name=\"VEVENT\"/> "
                 "(RFC 4791 §5.2.3)")


def _empty_hrefs(report: str, count: int) -> str:
    """The refusal of a multiget (local name ``report``) naming ``count`` empty hrefs."""
    return (f"{report} holds {count} empty DAV:href element(s); each must name a resource "
            "(RFC 4791 §7.9, RFC 6352 §8.7)")


def _clark(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(" ")
    return namespace, local


def _multiget_problem(root: ET.Element, hrefs: Hrefs | None) -> str | None:
    """:func:`xml_shape_problem` of a multiget, read from its tree (issue 19: the expat
    pass cost a Python call per element) and, when the tree was built without them, its
    hrefs' text; "" when the tree cannot tell (an href with child elements, whose text
    expat would join differently)."""
    empty = 0 if hrefs is None else hrefs.blank_count()
    for child in root:
        if child.tag == "{DAV:}href":
            if len(child):
                return ""
            if not (child.text or "").strip():
                empty += 1
    for comp in root.iter(f"{{{CALDAV}}}comp"):
        if "name" not in comp.attrib:
            return NAMELESS_COMP
    if empty:
        return _empty_hrefs(root.tag.rpartition('}')[2], empty)
    return None


def xml_shape_problem(method: str, body: bytes, parsed: ParsedXml | None = None
                      ) -> str | None:
    """Why this (well-formed) XML body cannot be a ``method`` request, or None.

    ``parsed``: the body's parse when the XML guard made it already (a multiget,
    :mod:`cms_dav.wsgi.parsed_xml`)."""
    if parsed is not None and method == "REPORT" and parsed.root.tag in MULTIGET_TAGS:
        problem = _multiget_problem(parsed.root, parsed.hrefs)
        if problem != "":
            return problem
    elements: list[tuple[str, str]] = []   # open elements, outermost first
    texts: list[list[str]] = []
    root: list[tuple[str, str]] = []
    first_child: list[tuple[str, str]] = []
    empty_hrefs = [0]
    nameless_comps = [0]
    time_ranges = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        clark = _clark(name)
        if clark == (CALDAV, "comp") and "name" not in attrs:
            nameless_comps[0] += 1
        if clark == (CALDAV, "time-range") and len(elements) == 1:
            time_ranges[0] += 1
        if not elements:
            root.append(clark)
        elif len(elements) == 1 and not first_child:
            first_child.append(clark)
        elements.append(clark)
        texts.append([])

    def end(_name: str) -> None:
        clark = elements.pop()
        text = "".join(texts.pop()).strip()
        if clark == (DAV, "href") and len(elements) == 1 and not text \
                and root and root[0] in MULTIGETS:
            empty_hrefs[0] += 1

    def data(chunk: str) -> None:
        if texts:
            texts[-1].append(chunk)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        return f"malformed XML body: {exc}"
    if not root:
        return None
    expected = ROOTS.get(method)
    if expected is not None and root[0] != expected[:2]:
        namespace, local = root[0]
        return (f"{method} body must be a {{{expected[0]}}}{expected[1]} element "
                f"({expected[2]}), not {{{namespace}}}{local}"[:300])
    if method == "PROPFIND" and (not first_child or first_child[0][0] != DAV
                                 or first_child[0][1] not in PROPFIND_CHILDREN):
        return ("DAV:propfind must start with DAV:prop, DAV:allprop or DAV:propname "
                "(RFC 4918 §14.20)")
    if nameless_comps[0]:
        return NAMELESS_COMP
    if root[0] == (CALDAV, "free-busy-query") and time_ranges[0] != 1:
        return ("free-busy-query must hold exactly one C:time-range element "
                "(RFC 4791 §7.10)")
    if empty_hrefs[0]:
        return _empty_hrefs(root[0][1], empty_hrefs[0])
    return None

"""The multistatus frame written as ElementTree (and so Radicale) writes it."""

from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import pytest
from radicale import xmlutils  # noqa: F401 - registers Radicale's namespace prefixes

from cms_dav.wsgi import multistatus_stream as ms

CALDAV, CARDDAV = "urn:ietf:params:xml:ns:caldav", "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"


def elementtree_bytes(root: ET.Element) -> bytes:
    """What Radicale's ``_xml_response`` writes for ``root``."""
    out = io.BytesIO()
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue()


def multistatus(*tags: str) -> ET.Element:
    root = ET.Element("{DAV:}multistatus")
    response = ET.SubElement(root, "{DAV:}response")
    for tag in tags:
        ET.SubElement(response, tag)
    return root


@pytest.mark.parametrize("namespaces", [(), (CARDDAV,), (CALDAV, CARDDAV, CS), (CS, CALDAV)])
def test_the_report_head_declares_the_namespaces_used_as_elementtree_does(namespaces):
    tree = elementtree_bytes(multistatus(*(f"{{{uri}}}x" for uri in namespaces)))
    assert tree.startswith(ms.report_head(namespaces))


def test_an_empty_multistatus_is_an_empty_element():
    assert ms.EMPTY == elementtree_bytes(ET.Element("{DAV:}multistatus"))
    assert b"".join(ms.report([], frozenset({CARDDAV}))) == ms.EMPTY


def test_the_props_namespaces_are_declared_only_once_a_response_carries_props():
    only_missing = b"".join(ms.report([(False, b"<response>404</response>")],
                                      frozenset({CARDDAV})))
    assert only_missing == ms.report_head(()) + b"<response>404</response>" + ms.TAIL
    mixed = b"".join(ms.report([(False, b"<response>404</response>"),
                                (True, b"<response>200</response>")], frozenset({CARDDAV}),
                               prolog=b"<sync-token>t</sync-token>"))
    assert mixed == (ms.report_head({CARDDAV}) + b"<sync-token>t</sync-token>"
                     b"<response>404</response><response>200</response>" + ms.TAIL)


def test_a_depth_0_answer_splits_into_its_head_and_its_one_response():
    root = multistatus(f"{{{CS}}}getctag")
    body = elementtree_bytes(root)
    head, response = ms.split_single_response(body)
    assert head + response + ms.TAIL == body
    assert response.startswith(b"<response>") and head.endswith(b'xmlns:CS="' + CS.encode()
                                                                 + b'">')


@pytest.mark.parametrize("body", [
    b"<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns=\"DAV:\" />",
    b"<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns=\"DAV:\"><response>a"
    b"</response><response>b</response></multistatus>",
    b"<?xml version='1.0' encoding='utf-8'?>\n<error xmlns=\"DAV:\"><x /></error>",
])
def test_any_other_depth_0_answer_is_refused(body):
    with pytest.raises(ValueError, match="not one <response> in a <multistatus>"):
        ms.split_single_response(body)

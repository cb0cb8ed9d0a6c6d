"""A multiget body is parsed once, on a tree, with the same verdicts as the full checks.

The XML guard checks a multiget with :func:`quick_multiget_check` (an expat pass with
only the DTD handlers, the C tree builder, ``[limits]`` counted on the tree) and the
request-shape check reads the same tree. Each must say what the full expat passes say:
a body the quick check passes is one :func:`check_xml` passes; a body it does not pass
gets the full check (and its words); the shape check on the tree names the same problem.
"""

from __future__ import annotations

import dataclasses
import io

import pytest

from cms_dav.config import Limits
from cms_dav.limits.errors import LimitExceeded
from cms_dav.wsgi.request_shape import xml_shape_problem
from cms_dav.wsgi.xml_guard import XmlGuardMiddleware, check_xml, quick_multiget_check

NS = ('xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" '
      'xmlns:cr="urn:ietf:params:xml:ns:carddav"')
CT = "application/xml; charset=utf-8"
HREFS = "".join(f"<d:href>/alice/book/{number}.vcf</d:href>" for number in range(50))


def book(inside: str, props: str = "<d:getetag/><cr:address-data/>",
         head: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (f"{head}<cr:addressbook-multiget {NS}><d:prop>{props}</d:prop>{inside}"
            "</cr:addressbook-multiget>").encode()


def calendar(inside: str, props: str = "<d:getetag/><c:calendar-data/>") -> bytes:
    return (f"<c:calendar-multiget {NS}><d:prop>{props}</d:prop>{inside}"
            "</c:calendar-multiget>").encode()


SMALL = Limits(max_xml_elements=40, max_xml_depth=4)
BODIES = {
    "a plain addressbook-multiget": (book(HREFS), Limits()),
    "a plain calendar-multiget": (calendar(HREFS), Limits()),
    "a DTD": (book(HREFS, head='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'),
              Limits()),
    "an external entity": (book(HREFS, head='<!DOCTYPE x SYSTEM "http://example.org/x">'),
                           Limits()),
    "malformed XML": (book(HREFS)[:-5], Limits()),
    "more elements than the limit": (book(HREFS), SMALL),
    "deeper than the limit": (book(HREFS, "<d:getetag/><cr:address-data><cr:prop name='FN'>"
                                   "<x:y xmlns:x='urn:x'><x:z/></x:y></cr:prop>"
                                   "</cr:address-data>"), SMALL),
    "exactly at the depth limit": (book("<d:href>/a/b/c.vcf</d:href>",
                                        "<cr:address-data><cr:prop name='FN'/>"
                                        "</cr:address-data>"), SMALL),
    "a time-range out of bounds": (calendar(HREFS, "<c:calendar-data><c:expand "
                                            "start='00010101T000000Z' end='99991231T000000Z'/>"
                                            "</c:calendar-data>"), Limits()),
    "a time-range that is not UTC": (calendar(HREFS, "<c:calendar-data><c:expand "
                                              "start='2026' end='2027'/></c:calendar-data>"),
                                     Limits()),
    "not a multiget": (f"<d:sync-collection {NS}><d:sync-token/></d:sync-collection>"
                       .encode(), Limits()),
    "a Latin-1 body the Content-Type calls UTF-8": ('<?xml version="1.0" encoding="iso-8859-1"?>'
                       f"<cr:addressbook-multiget {NS}><d:prop><d:getetag/></d:prop>"
                       "<d:href>/alice/book/zo\xeb.vcf</d:href></cr:addressbook-multiget>"
                       .encode("latin-1"), Limits()),
}


def _full_verdict(body: bytes, limits: Limits) -> str:
    try:
        check_xml(body, "REPORT", limits)
    except LimitExceeded as exc:
        return f"limit {exc.render()[0]}"
    except ValueError as exc:  # XmlRefused is one
        return f"refused {type(exc).__name__}"
    return "passes"


@pytest.mark.parametrize("name", list(BODIES))
def test_the_quick_check_passes_only_what_the_full_check_passes(name):
    body, limits = BODIES[name]
    # everything not passed here takes the full pass (an undecodable body: the way the
    # fast listing reads bodies, body_charset, leaves it to Radicale)
    root = quick_multiget_check(body, CT, limits)
    verdict = _full_verdict(body, limits)
    if root is not None:
        assert verdict == "passes", name
    expected_quick = {"a plain addressbook-multiget", "a plain calendar-multiget",
                      "exactly at the depth limit"}
    assert (root is not None) == (name in expected_quick), (name, verdict)


def test_the_element_limit_counts_every_element_as_the_full_check_does():
    body = book(HREFS)  # root, prop, two props, 50 hrefs
    at_limit = dataclasses.replace(Limits(), max_xml_elements=54)
    assert quick_multiget_check(body, CT, at_limit) is not None
    assert _full_verdict(body, at_limit) == "passes"
    below = dataclasses.replace(Limits(), max_xml_elements=53)
    assert quick_multiget_check(body, CT, below) is None
    assert _full_verdict(body, below).startswith("limit 413")


@pytest.mark.parametrize("encoding", ["big5", "utf-7", "shift_jis"])
def test_multi_byte_encoding_declared_quick_check_declines_not_raises(encoding):
    """Regression (round nine): pyexpat raises ValueError, not ExpatError, for a declared
    multi-byte encoding it cannot read; the quick check let it out of the guard (a 500)."""
    body = book(HREFS, head=f'<?xml version="1.0" encoding="{encoding}"?>')
    assert quick_multiget_check(body, CT, Limits()) is None
    assert _full_verdict(body, Limits()) == "refused ValueError"


def test_multi_byte_encoding_declared_multiget_is_a_400_from_the_guard():
    body = book(HREFS, head='<?xml version="1.0" encoding="big5"?>')
    statuses: list[str] = []
    guard = XmlGuardMiddleware(lambda environ, start_response: [b"app"], 1 << 20)
    answer = b"".join(guard({"REQUEST_METHOD": "REPORT", "CONTENT_LENGTH": str(len(body)),
                             "CONTENT_TYPE": CT, "wsgi.input": io.BytesIO(body)},
                            lambda status, headers: statuses.append(status)))
    assert statuses == ["400 Bad Request"]
    assert b"multi-byte encodings" in answer


SHAPES = {
    "fine": book(HREFS),
    "an empty href": book(HREFS + "<d:href>  </d:href><d:href/>"),
    "a nameless comp": calendar(HREFS, "<c:calendar-data><c:comp/></c:calendar-data>"),
    "both": calendar("<d:href/>", "<c:calendar-data><c:comp/></c:calendar-data>"),
    "an href with a child": book("<d:href><d:x/></d:href>" + HREFS),
    "an href in a child": book("<d:prop><d:href/></d:prop>" + HREFS),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_shape_check_on_the_tree_names_what_the_expat_pass_names(name):
    body = SHAPES[name]
    tree = quick_multiget_check(body, CT, Limits())
    assert tree is not None
    assert xml_shape_problem("REPORT", body, tree) == xml_shape_problem("REPORT", body)

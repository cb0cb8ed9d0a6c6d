"""Shapes Radicale would answer with a 500 get a 400 naming the problem."""

from __future__ import annotations

from cms_dav.wsgi.request_shape import charset_problem, xml_shape_problem

NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" ' \
     'xmlns:cr="urn:ietf:params:xml:ns:carddav"'


def test_valid_propfind_passes() -> None:
    assert xml_shape_problem("PROPFIND", f"<d:propfind {NS}><d:prop><d:getetag/></d:prop>"
                                         "</d:propfind>".encode()) is None


def test_propfind_without_prop_allprop_or_propname_is_named() -> None:
    problem = xml_shape_problem("PROPFIND", f"<d:propfind {NS}/>".encode())
    assert problem is not None and "RFC 4918 §14.20" in problem


def test_wrong_root_is_named() -> None:
    problem = xml_shape_problem("PROPPATCH", f"<d:propfind {NS}><d:allprop/></d:propfind>"
                                .encode())
    assert problem is not None and "propertyupdate" in problem


def test_empty_href_in_a_multiget_is_named() -> None:
    body = f"<cr:addressbook-multiget {NS}><d:prop/><d:href> </d:href></cr:addressbook-multiget>"
    assert "empty DAV:href" in (xml_shape_problem("REPORT", body.encode()) or "")


def test_nameless_comp_is_named() -> None:
    body = (f"<d:mkcol {NS}><d:set><d:prop><c:supported-calendar-component-set><c:comp/>"
            "</c:supported-calendar-component-set></d:prop></d:set></d:mkcol>")
    assert "name attribute" in (xml_shape_problem("MKCOL", body.encode()) or "")


def test_free_busy_query_without_time_range_is_named() -> None:
    body = f"<c:free-busy-query {NS}/>"
    assert "time-range" in (xml_shape_problem("REPORT", body.encode()) or "")


def test_unknown_charset_is_named_and_a_known_one_passes() -> None:
    assert "klingon" in (charset_problem("text/vcard; charset=klingon") or "")
    assert charset_problem("text/vcard; charset=utf-8") is None

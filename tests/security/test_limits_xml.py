"""[limits] on XML request bodies (issue 10, item 3), checked in the XML guard's single
expat pass: nesting depth, element count, properties per PROPFIND, and property values
of PROPPATCH / extended MKCOL (RFC 5689) / MKCALENDAR (RFC 4791 §5.3.1). A refused
PROPPATCH or MKCOL stores nothing (RFC 4918 §9.2: all or none)."""

from __future__ import annotations

import pytest
import requests

from tests.security.limits_support import assert_refusal, session
from tests.support.server import ServerProcess

PROPPATCH = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:">'
             '<D:set><D:prop>{props}</D:prop></D:set></D:propertyupdate>')
MKCOL = ('<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
         'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
         '<D:collection/><CR:addressbook/></D:resourcetype><D:displayname>{name}'
         '</D:displayname></D:prop></D:set></D:mkcol>')
MKCALENDAR = ('<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
              'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Cal'
              '</D:displayname><C:calendar-description>{text}</C:calendar-description>'
              '</D:prop></D:set></C:mkcalendar>')
DISPLAYNAME = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:displayname/>'
               '</D:prop></D:propfind>')

USER = "alice"


@pytest.fixture
def server(limits_server: ServerProcess) -> ServerProcess:
    return limits_server

def _send(method: str, url: str, body: str, depth: str = "0") -> requests.Response:
    return session(USER).request(method, url, data=body.encode("utf-8"),
                             headers={"Depth": depth, "Content-Type": "application/xml"})


def _displayname(server: ServerProcess) -> str:
    answer = _send("PROPFIND", f"{server.url}/alice/contacts/", DISPLAYNAME)
    assert answer.status_code == 207
    return answer.text


def test_xml_nested_100000_deep_is_refused_with_400_naming_the_depth_limit(
        server: ServerProcess) -> None:
    body = "<a>" * 100_000 + "</a>" * 100_000
    answer = _send("PROPFIND", f"{server.url}/alice/", body)
    assert_refusal(answer, 400, None, "nested deeper than 64 elements")
    assert _send("PROPFIND", f"{server.url}/alice/", DISPLAYNAME).status_code == 207


def test_xml_with_more_elements_than_the_limit_is_refused_with_413(
        server: ServerProcess) -> None:
    hrefs = "".join("<D:href>/alice/contacts/x.vcf</D:href>" for _ in range(250_001))
    body = ('<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:'
            f'carddav"><D:prop><D:getetag/></D:prop>{hrefs}</CR:addressbook-multiget>')
    answer = _send("REPORT", f"{server.url}/alice/contacts/", body, "1")
    assert_refusal(answer, 413, None, "more than 250000 elements")


def test_a_propfind_naming_500000_properties_is_refused_with_403(
        server: ServerProcess) -> None:
    props = "".join(f"<X:p{n}/>" for n in range(500_000))
    body = f'<D:propfind xmlns:D="DAV:" xmlns:X="urn:x"><D:prop>{props}</D:prop></D:propfind>'
    answer = _send("PROPFIND", f"{server.url}/alice/", body)
    assert_refusal(answer, 403, None, "more than 1000 properties")
    assert _send("PROPFIND", f"{server.url}/alice/", DISPLAYNAME).status_code == 207


def test_a_5_mb_displayname_in_proppatch_is_refused_and_not_stored(
        server: ServerProcess) -> None:
    huge = "H" * 5_000_000
    answer = _send("PROPPATCH", f"{server.url}/alice/contacts/",
                   PROPPATCH.format(props=f"<D:displayname>{huge}</D:displayname>"))
    assert_refusal(answer, 403, None, "'displayname' is longer than 4096 bytes")
    assert "HHHH" not in _displayname(server)


def test_a_proppatch_setting_too_many_properties_stores_none_of_them(
        server: ServerProcess) -> None:
    props = "<D:displayname>Many</D:displayname>" + "".join(
        f'<X:p{n} xmlns:X="urn:x">v</X:p{n}>' for n in range(60))
    answer = _send("PROPPATCH", f"{server.url}/alice/contacts/", PROPPATCH.format(props=props))
    assert_refusal(answer, 403, None, "more than 50 properties")
    assert ">Many<" not in _displayname(server)


def test_a_normal_proppatch_still_works_after_refusals(server: ServerProcess) -> None:
    answer = _send("PROPPATCH", f"{server.url}/alice/contacts/",
                   PROPPATCH.format(props="<D:displayname>Customers</D:displayname>"))
    assert answer.status_code == 207, answer.text
    assert ">Customers<" in _displayname(server)


def test_an_extended_mkcol_with_a_5_mb_displayname_creates_nothing(
        server: ServerProcess) -> None:
    answer = _send("MKCOL", f"{server.url}/alice/huge/", MKCOL.format(name="N" * 5_000_000))
    assert_refusal(answer, 403, None, "'displayname' is longer than 4096 bytes")
    assert _send("PROPFIND", f"{server.url}/alice/huge/", DISPLAYNAME).status_code == 404
    assert _send("MKCOL", f"{server.url}/alice/small/",
                 MKCOL.format(name="Small")).status_code == 201


def test_a_mkcalendar_with_an_oversized_description_creates_nothing(
        server: ServerProcess) -> None:
    answer = _send("MKCALENDAR", f"{server.url}/alice/cal2/", MKCALENDAR.format(text="d" * 5000))
    assert_refusal(answer, 403, None, "'calendar-description' is longer than 4096 bytes")
    assert _send("PROPFIND", f"{server.url}/alice/cal2/", DISPLAYNAME).status_code == 404

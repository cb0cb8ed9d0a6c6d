"""Issue 10 items 5/6: hostile PROPFIND/PROPPATCH/REPORT/MKCOL bodies to the running server.

Seeded mutations of valid bodies (elements dropped, emptied, duplicated, renamed into
odd namespaces; wrong roots; empty and hostile hrefs; garbage attributes; long
attribute lists within limits; truncations), sent with keep-alive sessions from a few
threads. Verdict: no 5xx, every 4xx explains itself, a refused PROPPATCH leaves the
collection's ctag unchanged, a refused MKCOL creates nothing, server healthy after.
``CMS_DAV_FUZZ_EXAMPLES=N`` raises the count (default 1,200).
"""

from __future__ import annotations

import copy
import random
import threading
from typing import Callable, Iterator
from xml.etree import ElementTree as ET

import pytest
import requests

from tests.security.fuzz_support import Outcome, examples, run_parallel
from tests.support.dav import make_addressbook, propfind, put_card, vcard, vevent
from tests.support.server import ServerProcess

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow

AUTH = ("alice", "alice-pw")
D, C, CR, CS = ("DAV:", "urn:ietf:params:xml:ns:caldav", "urn:ietf:params:xml:ns:carddav",
                "http://calendarserver.org/ns/")
HEAD = '<?xml version="1.0" encoding="utf-8"?>'
NS = f'xmlns:d="{D}" xmlns:c="{C}" xmlns:cr="{CR}" xmlns:cs="{CS}"'

PROPFINDS = [
    f'<d:propfind {NS}><d:allprop/></d:propfind>',
    f'<d:propfind {NS}><d:propname/></d:propfind>',
    f'<d:propfind {NS}><d:prop><d:getetag/><d:displayname/><d:resourcetype/><cs:getctag/>'
    '<d:sync-token/><d:current-user-privilege-set/><d:supported-report-set/>'
    '<cr:addressbook-home-set/><c:calendar-home-set/><d:owner/></d:prop></d:propfind>',
]
PROPPATCHES = [
    f'<d:propertyupdate {NS}><d:set><d:prop><d:displayname>Renamed</d:displayname></d:prop>'
    '</d:set></d:propertyupdate>',
    f'<d:propertyupdate {NS}><d:remove><d:prop><d:displayname/></d:prop></d:remove>'
    '</d:propertyupdate>',
    f'<d:propertyupdate {NS}><d:set><d:prop><cr:addressbook-description>About</cr:addressbook-'
    'description><c:calendar-timezone>UTC</c:calendar-timezone></d:prop></d:set>'
    '</d:propertyupdate>',
]
REPORTS = [
    f'<cr:addressbook-multiget {NS}><d:prop><d:getetag/><cr:address-data/></d:prop>'
    '<d:href>/alice/contacts/k1.vcf</d:href><d:href>/alice/contacts/nope.vcf</d:href>'
    '</cr:addressbook-multiget>',
    f'<c:calendar-multiget {NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>'
    '<d:href>/alice/calendar/e1.ics</d:href></c:calendar-multiget>',
    f'<d:sync-collection {NS}><d:sync-token/><d:sync-level>1</d:sync-level><d:prop>'
    '<d:getetag/></d:prop></d:sync-collection>',
    f'<cr:addressbook-query {NS}><d:prop><d:getetag/></d:prop><cr:filter test="anyof">'
    '<cr:prop-filter name="FN"><cr:text-match collation="i;unicode-casemap" '
    'match-type="contains">Per</cr:text-match></cr:prop-filter></cr:filter>'
    '</cr:addressbook-query>',
    f'<c:calendar-query {NS}><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter '
    'name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260101T000000Z" '
    'end="20270101T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>',
    f'<c:free-busy-query {NS}><c:time-range start="20261201T000000Z" '
    'end="20261202T000000Z"/></c:free-busy-query>',
    f'<d:principal-property-search {NS}><d:property-search><d:prop><d:displayname/></d:prop>'
    '<d:match>a</d:match></d:property-search></d:principal-property-search>',
]
MKCOLS = [
    f'<d:mkcol {NS}><d:set><d:prop><d:resourcetype><d:collection/><cr:addressbook/>'
    '</d:resourcetype><d:displayname>Book</d:displayname></d:prop></d:set></d:mkcol>',
    f'<d:mkcol {NS}><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/>'
    '</d:resourcetype><c:supported-calendar-component-set><c:comp name="VEVENT"/>'
    '</c:supported-calendar-component-set></d:prop></d:set></d:mkcol>',
]
ODD_NAMES = [f"{{{D}}}prop", f"{{{D}}}href", f"{{{D}}}foo", "{urn:x}bar", "{}plain",
             f"{{{CR}}}filter", f"{{{C}}}comp-filter", f"{{{D}}}propfind",
             f"{{{D}}}propertyupdate", f"{{{C}}}time-range", f"{{{D}}}set",
             "{http://www.w3.org/2000/xmlns/}x", f"{{{D}}}sync-token"]
ODD_TEXTS = ["", " ", "/", "../../../etc/passwd", "http://evil.example/x", "%00", "%",
             "/alice/contacts/" + "a" * 3000, "\u202e\u0000"[:1], "x" * 20_000, "-1",
             "http://cms-dav.org/ns/sync/0-0", "99999999T999999Z", "0", "&amp;"]
ODD_ATTRS = {"start": ["x", "", "20261301T000000Z", "99991231T235959Z", "1"],
             "end": ["x", "", "19000101T000000Z"], "name": ["", "VTODO", "X", "FN;x"],
             "match-type": ["regex", "", "equals"], "collation": ["i;bogus", ""],
             "negate-condition": ["maybe", "yes"], "test": ["none", "allof"]}


def _mutate_tree(rng: random.Random, root: ET.Element) -> ET.Element:
    elements = list(root.iter())
    target = rng.choice(elements)
    choice = rng.randrange(9)
    parents = {child: parent for parent in root.iter() for child in parent}
    if choice == 0 and target in parents:
        parents[target].remove(target)
    elif choice == 1:
        target.clear()
    elif choice == 2 and target in parents:
        parents[target].append(copy.deepcopy(target))
    elif choice == 3:
        target.tag = rng.choice(ODD_NAMES)
    elif choice == 4:
        target.text = rng.choice(ODD_TEXTS)
    elif choice == 5:
        for index in range(rng.choice([1, 10, 200])):
            target.set(f"a{index}", "v" * rng.randrange(20))
    elif choice == 6:
        for key, values in ODD_ATTRS.items():
            if rng.random() < 0.3 or key in target.attrib:
                target.set(key, rng.choice(values))
    elif choice == 7:
        for element in root.iter(f"{{{D}}}href"):
            element.text = rng.choice(ODD_TEXTS)
        if not list(root.iter(f"{{{D}}}href")):
            ET.SubElement(root, f"{{{D}}}href").text = rng.choice(ODD_TEXTS)
    else:
        ET.SubElement(target, rng.choice(ODD_NAMES)).text = rng.choice(ODD_TEXTS)
    return root


def mutate_body(rng: random.Random, body: str) -> bytes:
    root = ET.fromstring(body)
    for _ in range(rng.choice([1, 1, 2, 3])):
        root = _mutate_tree(rng, root)
    data = HEAD.encode() + ET.tostring(root)
    if rng.random() < 0.05:
        data = data[:rng.randrange(len(data))]
    return data


@pytest.fixture(scope="module")
def xml_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("fuzz-xml")
    config = data_dir / "cms-dav.conf"
    # the fuzz makes a thousand MKCOLs: the collection quota (507, tested in
    # test_limits_quota.py) would answer most of them before their bodies are looked at
    config.write_text("[limits]\nmax_collections_per_user = 100000\n", encoding="utf-8")
    server = ServerProcess(data_dir=data_dir, config=config)
    server.add_user(*AUTH)
    server.start()
    session = server.session(*AUTH)
    for index in range(3):
        put_card(session, f"{server.url}/alice/contacts/k{index}.vcf",
                 vcard(f"k{index}", f"Person K{index}"))
    session.put(f"{server.url}/alice/calendar/e1.ics", data=vevent("e1", "Meeting").encode(),
                headers={"Content-Type": "text/calendar"})
    yield server
    server.stop()


def _ctag(session: requests.Session, url: str) -> str:
    body = f'<d:propfind {NS}><d:prop><cs:getctag/></d:prop></d:propfind>'
    return propfind(session, url, body, depth="0").text


class _PerThreadBook:
    """One address book per worker thread, so a PROPPATCH's ctag check sees only its own
    thread's writes."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.local = threading.local()

    def url(self, session: requests.Session) -> str:
        url = getattr(self.local, "url", None)
        if url is None:
            url = self.local.url = f"{self.base}/alice/pp-{threading.get_ident()}/"
            make_addressbook(session, url)
        return url


def _job(server: ServerProcess, books: _PerThreadBook, method: str, body: bytes,
         target: str, depth: str, number: int) -> Callable[[requests.Session], Outcome]:
    def job(session: requests.Session) -> Outcome:
        url = server.url + target
        if method == "PROPPATCH":
            url = books.url(session)
            before = _ctag(session, url)
        elif method == "MKCOL":
            url = f"{server.url}/alice/mk-{number}/"
        response = session.request(method, url, data=body, timeout=60,
                                   headers={"Content-Type": "application/xml", "Depth": depth})
        stored = False
        if 400 <= response.status_code < 500:
            if method == "PROPPATCH":
                stored = _ctag(session, url) != before
            elif method == "MKCOL":
                stored = session.request("PROPFIND", url, headers={"Depth": "0"}
                                         ).status_code != 404
        return Outcome(f"{method} {url} {body[:300]!r}", response.status_code,
                       response.text, stored)
    return job


def test_a_thousand_hostile_xml_bodies_get_no_5xx_and_every_refusal_names_its_reason(
        xml_server: ServerProcess) -> None:
    rng = random.Random(1000)
    books = _PerThreadBook(xml_server.url)
    families = [("PROPFIND", PROPFINDS, ["/alice/contacts/", "/alice/", "/",
                                         "/alice/contacts/k1.vcf", "/alice/calendar/"]),
                ("PROPPATCH", PROPPATCHES, [""]),
                ("REPORT", REPORTS, ["/alice/contacts/", "/alice/calendar/", "/alice/"]),
                ("MKCOL", MKCOLS, [""])]
    jobs = []
    total = examples(1200)
    for number in range(total):
        method, bodies, targets = families[number % len(families)] if number % 5 else \
            rng.choice(families)
        body = rng.choice(bodies)
        data = body.encode() if number < 40 else mutate_body(rng, body)
        jobs.append(_job(xml_server, books, method, data, rng.choice(targets),
                         rng.choice(["0", "1", "1", "infinity", "x"]), number))
    tally = run_parallel(jobs, AUTH)
    print("\n" + tally.summary("XML bodies"))
    assert tally.tried >= min(total, 1000)
    assert not tally.server_errors, [(o.label, o.body[:200]) for o in tally.server_errors[:5]]
    assert not tally.unexplained, [(o.label, o.status, o.body[:200])
                                   for o in tally.unexplained[:5]]
    assert not tally.stored_after_refusal, [o.label for o in tally.stored_after_refusal[:5]]
    session = xml_server.session(*AUTH)
    assert propfind(session, xml_server.url + "/alice/contacts/",
                    PROPFINDS[0], depth="1").status_code == 207
    assert "Traceback" not in xml_server.log()


def test_addressbook_multiget_with_an_empty_href_is_a_400_naming_it(
        xml_server: ServerProcess) -> None:
    session = xml_server.session(*AUTH)
    body = (f'<cr:addressbook-multiget {NS}><d:prop><d:getetag/></d:prop><d:href/>'
            '</cr:addressbook-multiget>')
    response = session.request("REPORT", xml_server.url + "/alice/contacts/", data=body,
                               headers={"Depth": "1"})
    assert response.status_code == 400 and "empty DAV:href" in response.text


def test_propfind_with_a_wrong_root_element_is_a_400_naming_it(
        xml_server: ServerProcess) -> None:
    session = xml_server.session(*AUTH)
    response = propfind(session, xml_server.url + "/alice/contacts/",
                        f'<d:foo {NS}/>', depth="0")
    assert response.status_code == 400 and "DAV:}propfind" in response.text


def test_unknown_request_charset_is_a_400_naming_it(xml_server: ServerProcess) -> None:
    session = xml_server.session(*AUTH)
    response = session.put(xml_server.url + "/alice/contacts/cs.vcf",
                           data=vcard("cs", "Char Set").encode(),
                           headers={"Content-Type": "text/vcard; charset=klingon"})
    assert response.status_code == 400 and "klingon" in response.text

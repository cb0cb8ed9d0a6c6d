"""addressbook-query over HTTP answers from the index with the same set as a full scan.

2,000 generated cards are uploaded as one address book; each REPORT result is
compared with a plain Python evaluation of RFC 6352 text-match (lower-cased,
as Radicale's i;unicode-casemap) over the values the generator wrote.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from cms_dav.config import load_settings
from cms_dav.contacts.dav_prefilter import candidate_hrefs
from cms_dav.app import build_app
from tests.support.dav import hrefs

GIVEN = ["Anna", "Zofia", "Łukasz", "Jan", "Émile", "Søren", "李", "张"]
FAMILY = ["Nowak", "Kowalska", "Wójcik", "SMITH", "O'Brien", "伟", "Müller"]
ORGS = ["Acme", "Globex", "Initech", "Umbrella"]
DEPTS = ["Sales", "R&D", "Support"]
DOMAINS = ["Example.COM", "acme.example", "mail.example.pl"]
COUNT = 2000


def person(i: int) -> dict[str, list[str]]:
    given, family = GIVEN[i % 8], FAMILY[(i // 8) % 7]
    values = {"FN": [f"{given} {family} {i}"],
              "EMAIL": [f"user{i}@{DOMAINS[i % 3]}"],
              "TEL": [f"+48 600 {i:03d} {i % 100:03d}"],
              "ORG": [ORGS[i % 4], DEPTS[i % 3]]}
    if i % 5 == 0:
        values["NICKNAME"] = [f"{given[:2]}{i}"]
    return values


def card(i: int, values: dict[str, list[str]]) -> str:
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:p{i}", f"N:{values['FN'][0]};;;;",
             f"FN:{values['FN'][0]}", f"EMAIL:{values['EMAIL'][0]}", f"TEL:{values['TEL'][0]}",
             "ORG:" + ";".join(values["ORG"])]
    lines += [f"NICKNAME:{v}" for v in values.get("NICKNAME", [])]
    return "\r\n".join(lines + ["END:VCARD"]) + "\r\n"


PEOPLE = [person(i) for i in range(COUNT)]


@pytest.fixture(scope="module")
def big_book(tmp_path_factory):
    from click.testing import CliRunner

    from cms_dav.cli import cli
    from tests.support.server import ServerProcess
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("bigbook"))
    CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "user", "add", "alice",
                             "--password-stdin"], input="alice-pw\n")
    server.start()
    alice = server.session("alice", "alice-pw")
    body = "".join(card(i, values) for i, values in enumerate(PEOPLE))
    response = alice.put(f"{server.url}/alice/bigbook/", data=body.encode(),
                         headers={"Content-Type": "text/vcard; charset=utf-8"})
    assert response.status_code == 201, response.text
    yield server, alice
    server.stop()


def text_match(text: str, match_type: str = "contains", negate: bool = False) -> str:
    attrs = f'collation="i;unicode-casemap" match-type="{match_type}"'
    attrs += ' negate-condition="yes"' if negate else ""
    return f"<C:text-match {attrs}>{escape(text)}</C:text-match>"


def query(filter_xml: str, test: str = "anyof") -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><C:addressbook-query xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/>'
            f'</D:prop><C:filter test="{test}">{filter_xml}</C:filter></C:addressbook-query>')


def prop(name: str, *matches: str, test: str = "anyof") -> str:
    return f'<C:prop-filter name="{name}" test="{test}">{"".join(matches)}</C:prop-filter>'


def matches(values: list[str], text: str, match_type: str) -> bool:
    text = text.lower()
    check = {"contains": lambda v: text in v, "equals": lambda v: v == text,
             "starts-with": lambda v: v.startswith(text), "ends-with": lambda v: v.endswith(text)}
    return any(check[match_type](v.lower()) for v in values)


# (name, filter XML, filter test, Python predicate over one generated person)
CASES = [
    ("contains", prop("FN", text_match("ann")), "anyof",
     lambda p: matches(p["FN"], "ann", "contains")),
    ("contains-upper-case", prop("FN", text_match("ŁUKASZ W")), "anyof",
     lambda p: matches(p["FN"], "łukasz w", "contains")),
    ("contains-cjk", prop("FN", text_match("张 伟")), "anyof",
     lambda p: matches(p["FN"], "张 伟", "contains")),
    ("equals-email", prop("EMAIL", text_match("USER17@mail.example.pl", "equals")), "anyof",
     lambda p: matches(p["EMAIL"], "user17@mail.example.pl", "equals")),
    ("equals-org-unit", prop("ORG", text_match("r&d", "equals")), "anyof",
     lambda p: matches(p["ORG"], "r&d", "equals")),
    ("starts-with", prop("FN", text_match("zofia müller", "starts-with")), "anyof",
     lambda p: matches(p["FN"], "zofia müller", "starts-with")),
    ("ends-with-nickname", prop("NICKNAME", text_match("5", "ends-with")), "anyof",
     lambda p: matches(p.get("NICKNAME", []), "5", "ends-with")),
    ("tel-contains", prop("TEL", text_match("600 01")), "anyof",
     lambda p: matches(p["TEL"], "600 01", "contains")),
    ("negate", prop("FN", text_match("a", negate=True)), "anyof",
     lambda p: not matches(p["FN"], "a", "contains")),
    ("like-wildcards-are-literal", prop("EMAIL", text_match("%_")), "anyof",
     lambda p: matches(p["EMAIL"], "%_", "contains")),
    ("anyof-two-props", prop("EMAIL", text_match("@acme")) + prop("FN", text_match("o'brien")),
     "anyof", lambda p: (matches(p["EMAIL"], "@acme", "contains")
                         or matches(p["FN"], "o'brien", "contains"))),
    ("allof-two-props",
     prop("FN", text_match("anna", "starts-with")) + prop("ORG", text_match("sales", "equals")),
     "allof", lambda p: (matches(p["FN"], "anna", "starts-with")
                         and matches(p["ORG"], "sales", "equals"))),
    ("allof-with-negate",
     prop("FN", text_match("jan")) + prop("EMAIL", text_match("acme", negate=True)),
     "allof", lambda p: (matches(p["FN"], "jan", "contains")
                         and not matches(p["EMAIL"], "acme", "contains"))),
]


def report(server, session, filter_xml: str, test: str) -> set[str]:
    response = session.request("REPORT", f"{server.url}/alice/bigbook/",
                               data=query(filter_xml, test).encode(),
                               headers={"Depth": "1", "Content-Type": "application/xml"})
    assert response.status_code == 207, response.text
    return set(hrefs(response))


def uids(server, hrefs_found: set[str]) -> set[str]:
    """Map hrefs to UIDs through the index (the server named the uploaded items)."""
    store = build_app(load_settings(server.data_dir)).store
    record = store.collection("alice/bigbook")
    by_href = {r.href: r.uid for r in store.all_items(record.id, with_text=False)}
    return {by_href[h.rsplit("/", 1)[1]] for h in hrefs_found}


@pytest.mark.parametrize("name,filter_xml,test,predicate", CASES, ids=[c[0] for c in CASES])
def test_query_returns_the_same_set_as_a_scan(big_book, name, filter_xml, test, predicate):
    server, alice = big_book
    expected = {f"p{i}" for i, values in enumerate(PEOPLE) if predicate(values)}
    assert uids(server, report(server, alice, filter_xml, test)) == expected


def test_index_narrows_candidates_for_a_selective_filter(big_book):
    from xml.etree import ElementTree as ET
    server, _ = big_book
    element = ET.fromstring(query(prop("EMAIL", text_match("user17@mail.example.pl", "equals"))))
    filters = element.findall("{urn:ietf:params:xml:ns:carddav}filter")
    store = build_app(load_settings(server.data_dir)).store
    with store.reading() as conn:
        found = candidate_hrefs(conn, store.collection("alice/bigbook").id, filters)
    assert found is not None and len(found) == 1


def test_negated_filter_falls_back_to_every_card(big_book):
    from xml.etree import ElementTree as ET
    server, _ = big_book
    element = ET.fromstring(query(prop("FN", text_match("a", negate=True))))
    filters = element.findall("{urn:ietf:params:xml:ns:carddav}filter")
    store = build_app(load_settings(server.data_dir)).store
    with store.reading() as conn:
        assert candidate_hrefs(conn, store.collection("alice/bigbook").id, filters) is None

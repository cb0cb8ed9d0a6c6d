"""Principal search (RFC 3744 §9.4-9.5) over display names and e-mail addresses,
limited to the principals the caller may know of."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree as ET

import caldav
import pytest
import requests

from cms_dav.acl.policy import Policy
from cms_dav.acl.rightsfile import RightsFile
from cms_dav.acl.visibility import may_know_of
from tests.support.dav import NS
from tests.support.server import ServerProcess

RIGHTS = """[groups.sales]
members = ["alice", "bob"]

[groups.support]
members = ["carol"]
"""
PASSWORDS = {"alice": "alice-pw-1234", "bob": "bob-pw-12345", "carol": "carol-pw-1234"}


def search_body(*criteria: tuple[str, str, str], test: str = "") -> str:
    """A principal-property-search; each criterion is (prop element, match, match-type)."""
    parts = "".join(f'<d:property-search><d:prop><{prop}/></d:prop>'
                    f'<d:match match-type="{kind}">{text}</d:match></d:property-search>'
                    for prop, text, kind in criteria)
    attribute = f' test="{test}"' if test else ""
    return ('<?xml version="1.0" encoding="utf-8"?><d:principal-property-search '
            f'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"{attribute}>{parts}'
            '<d:prop><d:displayname/><c:calendar-user-address-set/></d:prop>'
            '</d:principal-property-search>')


def report(server: ServerProcess, body: str, user: str = "alice", path: str = "/"
           ) -> requests.Response:
    return requests.request("REPORT", server.url + path, data=body.encode(),
                            headers={"Content-Type": "application/xml", "Depth": "0"},
                            auth=(user, PASSWORDS[user]), timeout=60)


def found(response: requests.Response) -> dict[str, str]:
    """{principal href: display name} of a search's answer."""
    assert response.status_code == 207, response.text
    root = ET.fromstring(response.content)
    return {answer.findtext("d:href", namespaces=NS) or "":
            answer.findtext("d:propstat/d:prop/d:displayname", namespaces=NS) or ""
            for answer in root.findall("d:response", NS)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir: Path = tmp_path_factory.mktemp("principals")
    (data_dir / "rights.toml").write_text(RIGHTS, encoding="utf-8")
    config = data_dir / "cms-dav.conf"
    config.write_text("[sharing]\nprincipal_search = groups\n", encoding="utf-8")
    server = ServerProcess(data_dir=data_dir, config=config)
    for user, password in PASSWORDS.items():
        server.add_user(user, password)
    server.cli("user", "set", "bob", "--email", "bob.builder@example.org", check=True)
    server.cli("user", "set", "carol", "--email", "carol@example.org", check=True)
    server.start()
    try:
        for user, name in (("bob", "Robert Builder"), ("carol", "Carol Bauer")):
            response = requests.request(
                "PROPPATCH", f"{server.url}/{user}/", auth=(user, PASSWORDS[user]),
                headers={"Content-Type": "application/xml"}, timeout=60,
                data=('<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:">'
                      f'<d:set><d:prop><d:displayname>{name}</d:displayname></d:prop></d:set>'
                      '</d:propertyupdate>').encode())
            assert response.status_code == 207, response.text
        yield server
    finally:
        server.stop()


def test_alice_finds_bob_by_a_part_of_his_display_name(server):
    assert found(report(server, search_body(("d:displayname", "BUILD", "contains")))) == \
        {"/bob/": "Robert Builder"}


def test_alice_finds_bob_by_his_e_mail_address(server):
    response = report(server, search_body(
        ("c:calendar-user-address-set", "mailto:bob.builder@example.org", "equals")))
    assert list(found(response)) == ["/bob/"]
    addresses = [element.text for element in ET.fromstring(response.content).findall(
        ".//c:calendar-user-address-set/d:href", NS)]
    assert "mailto:bob.builder@example.org" in addresses


def test_a_user_outside_the_callers_groups_is_never_listed(server):
    for criterion in (("d:displayname", "Carol Bauer", "equals"),
                      ("c:calendar-user-address-set", "carol@example.org", "contains"),
                      ("d:displayname", "r", "contains")):
        assert "/carol/" not in found(report(server, search_body(criterion)))


def test_carol_finds_only_herself_in_her_own_group(server):
    assert list(found(report(server, search_body(("d:displayname", "b", "contains")),
                             user="carol"))) == ["/carol/"]


def test_starts_with_matches_the_beginning_only(server):
    assert found(report(server, search_body(("d:displayname", "builder", "starts-with")))) == {}
    assert list(found(report(server, search_body(("d:displayname", "rob", "starts-with"))))) \
        == ["/bob/"]


def test_allof_needs_every_criterion_and_anyof_one(server):
    criteria = (("d:displayname", "robert", "contains"), ("d:displayname", "alice", "equals"))
    assert found(report(server, search_body(*criteria))) == {}
    assert set(found(report(server, search_body(*criteria, test="anyof")))) == \
        {"/alice/", "/bob/"}


def test_the_search_property_set_names_display_name_and_calendar_user_address(server):
    response = report(server, '<d:principal-search-property-set xmlns:d="DAV:"/>')
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert [child.tag for child in root.findall("d:principal-search-property/d:prop/*", NS)] \
        == ["{DAV:}displayname", "{urn:ietf:params:xml:ns:caldav}calendar-user-address-set"]


@pytest.mark.parametrize("body", [
    search_body(("d:displayname", "bob", "sounds-like")),
    search_body(("d:displayname", "", "contains")),
    search_body(("d:displayname", "x" * 300, "contains")),
    search_body(("d:displayname", "bob", "contains"), test="someof"),
    search_body(*[("d:displayname", "bob", "contains")] * 11),
])
def test_a_malformed_search_is_refused_with_400_naming_the_problem(server, body):
    response = report(server, body)
    assert response.status_code == 400
    assert "match" in response.text or "property-search" in response.text \
        or "test" in response.text


def test_a_search_without_criteria_lists_whom_the_caller_may_know_of(server):
    client = caldav.DAVClient(url=server.url + "/", username="alice",
                              password=PASSWORDS["alice"])
    found = {str(principal.url).rstrip("/").rsplit("/", 1)[1]
             for principal in client.search_principals()}
    assert found == {"alice", "bob"}


def test_without_login_the_search_asks_for_one(server):
    response = requests.request("REPORT", server.url + "/", timeout=60,
                                data=search_body(("d:displayname", "b", "contains")).encode(),
                                headers={"Content-Type": "application/xml"})
    assert response.status_code == 401


def test_by_default_every_user_of_the_server_may_be_found(tmp_path):
    (tmp_path / "rights.toml").write_text(RIGHTS, encoding="utf-8")
    policy = Policy(RightsFile(tmp_path / "rights.toml"))
    users = ["alice", "bob", "carol", "dave"]
    assert may_know_of(policy, "alice", "users", users) == users
    assert may_know_of(policy, "alice", "groups", users) == ["alice", "bob"]
    assert may_know_of(policy, "dave", "groups", users) == ["dave"]


def test_an_invalid_e_mail_address_is_refused_by_the_cli(server):
    result = server.cli("user", "set", "bob", "--email", "not an address")
    assert result.returncode != 0
    assert "not an e-mail address" in result.stderr

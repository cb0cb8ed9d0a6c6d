"""The contacts list's filters (issue 16 item 2): book, category, group, a custom field
condition, "not contacted since" and "follow-ups due", alone, together and with the
search text; only within the books the user may read; labels in every language."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import pytest
import requests

from cms_dav.web import i18n
from cms_dav.web.contact_filters import ListFilters
from tests.api.support import seeded_server
from tests.contacts.test_custom_fields import FIELDS_TOML
from tests.support.server import ServerProcess
from tests.web.support import add_cards, csrf_of, new_book, sign_in

TODAY = date.today()
GROUP = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:buyers\r\nFN:Buyers\r\nKIND:group\r\n"
         "MEMBER:urn:uuid:rita\r\nEND:VCARD\r\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """alice's ``contacts``: Rita (VIP, Retail, in the group Buyers), Manny (VIP,
    Manufacturing), Cora (called today, follow-up due yesterday), Quinn (nothing);
    her ``team``: Tina (VIP), which bob may not read."""
    data_dir = Path(tmp_path_factory.mktemp("web-filters"))
    (data_dir / "fields.toml").write_text(FIELDS_TOML, encoding="utf-8")
    started = seeded_server(data_dir)
    add_cards(started, "contacts", (
        {"uid": "rita", "name": {"formatted": "Rita Retail"}, "categories": ["VIP"],
         "fields": {"industry": "Retail"}},
        {"uid": "manny", "name": {"formatted": "Manny Maker"}, "categories": ["VIP"],
         "fields": {"industry": "Manufacturing"}},
        {"uid": "cora", "name": {"formatted": "Cora Call"}},
        {"uid": "quinn", "name": {"formatted": "Quinn Quiet"}}))
    put = started.session("alice", "alice-pw").put(
        f"{started.url}/alice/contacts/buyers.vcf", data=GROUP.encode(),
        headers={"Content-Type": "text/vcard"})
    assert put.status_code == 201, put.text
    new_book(started, "team", "Team", [{"uid": "tina", "name": {"formatted": "Tina Team"},
                                         "categories": ["VIP"]}])
    web = sign_in(started, "alice", "alice-pw")
    url = f"{started.url}/app/contacts/alice/contacts/cora.vcf"
    added = web.post(f"{url}/notes", data={
        "csrf": csrf_of(web.get(url).text), "kind": "call", "text": "asked for a quote",
        "follow_up": (TODAY - timedelta(days=1)).isoformat()})
    assert added.status_code == 200, added.text
    yield started
    started.stop()


@pytest.fixture(scope="module")
def alice(server: ServerProcess) -> requests.Session:
    return sign_in(server, "alice", "alice-pw")


def names(session: requests.Session, server: ServerProcess, **params: str) -> set[str]:
    answer = session.get(f"{server.url}/app/contacts", params=params)
    assert answer.status_code == 200, answer.text
    results = answer.text.split('id="results"')[1]
    return set(re.findall(r'<li><a href="[^"]*">([^<]*)</a>', results))


def test_a_category_lists_its_people_in_every_readable_book(
        server: ServerProcess, alice: requests.Session) -> None:
    assert names(alice, server, category="vip") == {"Rita Retail", "Manny Maker", "Tina Team"}


def test_a_book_and_a_category_together(server: ServerProcess, alice: requests.Session) -> None:
    assert names(alice, server, book="alice/team", category="VIP") == {"Tina Team"}
    assert "Tina Team" not in names(alice, server, book="alice/contacts")


def test_a_custom_field_condition(server: ServerProcess, alice: requests.Session) -> None:
    assert names(alice, server, where="industry = Retail") == {"Rita Retail"}


def test_a_group_lists_its_members(server: ServerProcess, alice: requests.Session) -> None:
    assert names(alice, server, group="Buyers") == {"Rita Retail"}


def test_follow_ups_due_lists_the_open_ones_up_to_today(
        server: ServerProcess, alice: requests.Session) -> None:
    assert names(alice, server, due="1") == {"Cora Call"}


def test_not_contacted_for_days_leaves_out_who_was_called_lately(
        server: ServerProcess, alice: requests.Session) -> None:
    quiet = names(alice, server, quiet_days="30")
    assert "Quinn Quiet" in quiet and "Rita Retail" in quiet
    assert "Cora Call" not in quiet


def test_the_search_text_within_a_filter(server: ServerProcess, alice: requests.Session
                                         ) -> None:
    assert names(alice, server, q="rita", category="VIP") == {"Rita Retail"}
    assert names(alice, server, q="quinn", category="VIP") == set()


def test_a_book_the_user_may_not_read_finds_nothing(server: ServerProcess) -> None:
    bob = sign_in(server, "bob", "bob-pw")
    assert names(bob, server, book="alice/team") == set()
    assert names(bob, server, category="VIP") == set()


def test_a_condition_that_cannot_be_read_is_a_422_naming_it(
        server: ServerProcess, alice: requests.Session) -> None:
    answer = alice.get(f"{server.url}/app/contacts", params={"where": "colour = red"})
    assert answer.status_code == 422
    assert "colour" in answer.text


def test_a_filter_value_that_is_markup_is_escaped(
        server: ServerProcess, alice: requests.Session) -> None:
    answer = alice.get(f"{server.url}/app/contacts", params={"category": "<b>x</b>"})
    assert answer.status_code == 200
    assert "<b>x</b>" not in answer.text and "&lt;b&gt;x&lt;/b&gt;" in answer.text


def test_the_paging_links_keep_the_filters() -> None:
    link = ListFilters(book="alice/team", category="VIP", quiet_days=30, due=True).query("zw")
    assert link == "q=zw&book=alice%2Fteam&category=VIP&quiet_days=30&due=1"


@pytest.mark.parametrize("code", ["pl", "zh-CN"])
def test_every_filter_label_is_translated(code: str) -> None:
    template = (Path(i18n.__file__).parent / "templates" / "contacts.html").read_text()
    labels = set(re.findall(r'_\("([^"]+)"\)', template))
    language = i18n.load_languages()[code]
    assert [m for m in sorted(labels) if language.gettext(m) == m] == []


@pytest.mark.parametrize(("language", "label"), [("en", "Industry"), ("pl", "Branża"),
                                                  ("zh-CN", "行业")])
def test_the_contact_page_names_a_custom_field_by_its_label_in_the_language(
        server: ServerProcess, alice: requests.Session, language: str, label: str) -> None:
    html = alice.get(f"{server.url}/app/contacts/alice/contacts/rita.vcf",
                     cookies={"cms_dav_lang": language}).text
    assert f"<dt>{label}</dt><dd>Retail</dd>" in html

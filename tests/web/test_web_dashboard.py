"""The dashboard at ``/`` after sign-in: follow-ups due, birthdays this week and
recently changed contacts, across every address book the caller may read (and none
they may not), escaped, localised."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from tests.api.support import book_url
from tests.support.server import ServerProcess
from tests.web.conftest import XSS
from tests.web.support import csrf_of, post_sign_in, sign_in

TODAY = date.today()


def _contact(server: ServerProcess, book: str, uid: str, name: str,
             birthday: date | None = None) -> None:
    body: dict[str, object] = {"uid": uid, "name": {"formatted": name}}
    if birthday is not None:
        body["birthday"] = birthday.isoformat()
    created = server.session("alice", "alice-pw").post(book_url(server, book=book), json=body)
    assert created.status_code == 201, created.text


def _note(server: ServerProcess, web: requests.Session, uid: str, text: str,
          follow_up: date) -> str:
    url = f"{server.url}/app/contacts/alice/contacts/{uid}.vcf"
    shown = web.get(url)
    added = web.post(f"{url}/notes", data={"csrf": csrf_of(shown.text), "kind": "call",
                                          "text": text, "follow_up": follow_up.isoformat()})
    assert added.status_code == 200, added.text
    return added.text


@pytest.fixture(scope="module")
def seeded(web_server: ServerProcess, alice_web: requests.Session) -> ServerProcess:
    """alice's follow-ups (due, overdue, later, done) and birthdays (this week in the
    book bob may read, next month, and a name that is markup)."""
    for uid, name in (("due-soon", "Dora Due"), ("overdue", "Olga Overdue"),
                      ("later", "Lars Later"), ("done", "Dan Done")):
        _contact(web_server, "contacts", uid, name)
    _note(web_server, alice_web, "due-soon", "send the quote", TODAY + timedelta(days=3))
    _note(web_server, alice_web, "overdue", "call back", TODAY - timedelta(days=5))
    _note(web_server, alice_web, "later", "much later", TODAY + timedelta(days=40))
    page = _note(web_server, alice_web, "done", "already done", TODAY + timedelta(days=1))
    action = page.split("already done")[1].split('action="')[1].split('"')[0]
    marked = alice_web.post(f"{web_server.url}{action}", data={"csrf": csrf_of(page)})
    assert marked.status_code == 200
    _contact(web_server, "shared", "bday-week", "Bogna Birthday",
             date(1980, (TODAY + timedelta(days=2)).month, (TODAY + timedelta(days=2)).day))
    _contact(web_server, "contacts", "bday-later", "Bruno Later",
             date(1975, (TODAY + timedelta(days=35)).month, (TODAY + timedelta(days=35)).day))
    _contact(web_server, "contacts", "bday-markup", XSS + " born",
             date(1990, TODAY.month, TODAY.day) if (TODAY.month, TODAY.day) != (2, 29)
             else date(1992, 2, 29))
    return web_server


def _section(html: str, name: str) -> str:
    return html.split(f'class="{name}"')[1].split("</section>")[0]


def test_signing_in_lands_on_the_dashboard(web_server: ServerProcess) -> None:
    session, answer = post_sign_in(web_server, "bob", "bob-pw")
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    shown = session.get(f"{web_server.url}/")
    assert shown.status_code == 200 and "<h1>Dashboard</h1>" in shown.text


def test_open_follow_ups_due_this_week_and_overdue_ones_are_listed_earliest_first(
        seeded: ServerProcess, alice_web: requests.Session) -> None:
    due = _section(alice_web.get(f"{seeded.url}/").text, "due")
    assert "Olga Overdue" in due and "Dora Due" in due
    assert due.index("Olga Overdue") < due.index("Dora Due")
    assert "send the quote" in due and "overdue" in due.split("Dora Due")[0]


def test_follow_ups_done_or_beyond_the_week_are_not_listed(
        seeded: ServerProcess, alice_web: requests.Session) -> None:
    due = _section(alice_web.get(f"{seeded.url}/").text, "due")
    assert "Dan Done" not in due and "Lars Later" not in due


def test_birthdays_this_week_are_listed_and_later_ones_are_not(
        seeded: ServerProcess, alice_web: requests.Session) -> None:
    birthdays = _section(alice_web.get(f"{seeded.url}/").text, "birthdays")
    assert "Bogna Birthday" in birthdays and "Bruno Later" not in birthdays


def test_a_markup_name_is_escaped_on_the_dashboard(
        seeded: ServerProcess, alice_web: requests.Session) -> None:
    html = alice_web.get(f"{seeded.url}/").text
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt; born" in _section(html, "birthdays")


def test_recently_changed_shows_the_newest_change_first(
        seeded: ServerProcess, alice_web: requests.Session) -> None:
    _contact(seeded, "contacts", "just-now", "Justyna Now")
    changed = _section(alice_web.get(f"{seeded.url}/").text, "changed")
    assert changed.index("Justyna Now") < changed.index("</li>")


def test_a_sharee_sees_the_shared_books_dates_but_nothing_of_unshared_books(
        seeded: ServerProcess) -> None:
    html = sign_in(seeded, "bob", "bob-pw").get(f"{seeded.url}/").text
    assert "Bogna Birthday" in _section(html, "birthdays")
    for private in ("Dora Due", "Olga Overdue", "born", "Justyna Now"):
        assert private not in html


def test_the_dashboard_speaks_polish(seeded: ServerProcess) -> None:
    session = sign_in(seeded, "alice", "alice-pw")
    html = session.get(f"{seeded.url}/", cookies={"cms_dav_lang": "pl"}).text
    assert "Urodziny w tym tygodniu" in html and "Do ponowienia" in html

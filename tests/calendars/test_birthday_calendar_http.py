"""Issue 13 item 1: the read-only birthday calendar every user gets, over HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from tests.calendars.generated_support import calendar, card, children, put, unfolded
from tests.support.dav import make_addressbook, sync_collection
from tests.support.server import ServerProcess


@pytest.fixture
def server(emptied_server: ServerProcess) -> ServerProcess:
    """The module's one server; the books the tests fill are emptied after each."""
    return emptied_server


@pytest.fixture
def alice(server):
    return server.session("alice", "alice-pw")


@pytest.fixture
def bob(server):
    return server.session("bob", "bob-pw")


def birthdays_of(server, session, user="alice"):
    return calendar(session, f"{server.url}/{user}/birthdays/")


def only(texts: dict[str, str]) -> str:
    assert len(texts) == 1, texts
    return unfolded(next(iter(texts.values())))


def test_home_listing_shows_the_localised_birthday_calendar(server, alice):
    listed = children(alice, f"{server.url}/alice/")
    assert listed.get("/alice/birthdays/") == "Birthdays"


def test_a_full_date_gives_a_yearly_all_day_event_with_name_and_age(server, alice):
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    text = only(birthdays_of(server, alice))
    assert "DTSTART;VALUE=DATE:19800612" in text
    assert "RRULE:FREQ=YEARLY" in text
    age = date.today().year - 1980
    assert f"SUMMARY:Anna Nowak's birthday ({age})" in text
    assert "BEGIN:VALARM" in text


@pytest.mark.parametrize("version, line", [
    ("4.0", "BDAY:--0612"),
    ("3.0", "BDAY:--06-12"),
    ("3.0", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-06-12"),
], ids=["vcard4", "vcard3", "apple-1604"])
def test_a_year_less_date_recurs_on_its_day_without_an_age(server, alice, version, line):
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", line + "\r\n", version))
    text = only(birthdays_of(server, alice))
    assert "0612\r\n" in text.split("DTSTART;VALUE=DATE:", 1)[1][:10] + "\r\n"
    assert "SUMMARY:Anna Nowak's birthday\r\n" in text
    assert "birthday (" not in text


def test_feb_29_falls_on_feb_28_in_common_years_by_default(server, alice):
    put(alice, f"{server.url}/alice/contacts/leap.vcf",
        card("leap", "Leon Leap", "BDAY:2000-02-29\r\n"))
    text = only(birthdays_of(server, alice))
    assert "BYMONTH=2;BYMONTHDAY=-1" in text


def test_feb_29_falls_on_march_1_when_configured(make_server):
    server = make_server(config_text="[birthdays]\nfeb29 = mar1\n",
                         users={"alice": "alice-pw"})
    alice = server.session("alice", "alice-pw")
    put(alice, f"{server.url}/alice/contacts/leap.vcf",
        card("leap", "Leon Leap", "BDAY:2000-02-29\r\n"))
    assert "BYYEARDAY=60" in only(birthdays_of(server, alice))


@pytest.mark.parametrize("version, lines", [
    ("4.0", "ANNIVERSARY:20100515\r\n"),
    ("3.0", "X-ANNIVERSARY:2010-05-15\r\n"),
    ("3.0", "item1.X-ABDATE:2010-05-15\r\nitem1.X-ABLABEL:_$!<Anniversary>!$_\r\n"),
], ids=["vcard4", "vcard3", "apple-abdate"])
def test_anniversaries_get_yearly_events_too(server, alice, version, lines):
    put(alice, f"{server.url}/alice/contacts/wed.vcf",
        card("wed", "Ewa Kowalska", lines, version))
    text = only(birthdays_of(server, alice))
    assert "DTSTART;VALUE=DATE:20100515" in text
    assert "Ewa Kowalska's anniversary" in text


def test_a_bday_edited_over_carddav_changes_the_event_in_the_next_sync(server, alice):
    url = f"{server.url}/alice/birthdays/"
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    _, token, first = sync_collection(alice, url)
    assert len(first) == 1
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-07-01\r\n"))
    _, _, delta = sync_collection(alice, url, token)
    assert list(delta.values()) == [200] and list(delta) == list(first)
    assert "DTSTART;VALUE=DATE:19800701" in only(birthdays_of(server, alice))


def test_nothing_changed_gives_an_empty_sync_delta(server, alice):
    url = f"{server.url}/alice/birthdays/"
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    _, token, _ = sync_collection(alice, url)
    put(alice, f"{server.url}/alice/contacts/other.vcf", card("other", "No Dates"))
    _, _, delta = sync_collection(alice, url, token)
    assert delta == {}


def test_a_deleted_contact_leaves_the_calendar_in_the_next_sync(server, alice):
    url = f"{server.url}/alice/birthdays/"
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    _, token, first = sync_collection(alice, url)
    assert alice.delete(f"{server.url}/alice/contacts/anna.vcf").status_code in (200, 204)
    _, _, delta = sync_collection(alice, url, token)
    assert delta == {href: 404 for href in first}


def test_a_moved_contact_moves_its_event_in_the_next_sync(server, alice):
    make_addressbook(alice, f"{server.url}/alice/work/", "Work")
    url = f"{server.url}/alice/birthdays/"
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    _, token, first = sync_collection(alice, url)
    moved = alice.request("MOVE", f"{server.url}/alice/contacts/anna.vcf",
                          headers={"Destination": f"{server.url}/alice/work/anna.vcf"})
    assert moved.status_code in (201, 204)
    _, _, delta = sync_collection(alice, url, token)
    [old] = first
    assert delta.pop(old) == 404 and list(delta.values()) == [200]


def test_a_contact_in_a_book_the_user_cannot_read_never_appears(server, alice, bob):
    put(bob, f"{server.url}/bob/contacts/secret.vcf",
        card("secret", "Sekret Bobа", "BDAY:1970-01-02\r\n"))
    put(alice, f"{server.url}/alice/contacts/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    texts = birthdays_of(server, alice)
    assert len(texts) == 1 and "Sekret" not in "".join(texts.values())


def test_a_shared_book_counts_and_a_revoked_share_drops_it_in_the_next_sync(server, alice,
                                                                             bob):
    make_addressbook(alice, f"{server.url}/alice/team/", "Team")
    put(alice, f"{server.url}/alice/team/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    server.cli("share", "grant", "/alice/team/", "--to", "user:bob", "--access", "read",
               check=True)
    assert "/bob/birthdays/" in children(bob, f"{server.url}/bob/")  # discovery
    url = f"{server.url}/bob/birthdays/"
    _, token, first = sync_collection(bob, url)
    assert len(first) == 1
    server.cli("share", "revoke", "/alice/team/", "--to", "user:bob", check=True)
    _, _, delta = sync_collection(bob, url, token)
    assert delta == {href: 404 for href in first}


def test_a_group_book_counts_for_its_members(make_server):
    # a server of its own: the group's book would stay in alice's birthdays after the test
    server = make_server(users={"alice": "alice-pw", "bob": "bob-pw"})
    alice, bob = server.session("alice", "alice-pw"), server.session("bob", "bob-pw")
    for args in (("group", "add", "team"), ("group", "add-member", "team", "alice"),
                 ("group", "collection", "add", "team", "book", "--type", "addressbook")):
        server.cli(*args, check=True)
    put(alice, f"{server.url}/groups/team/book/anna.vcf",
        card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    assert len(birthdays_of(server, alice)) == 1
    assert "/bob/birthdays/" in children(bob, f"{server.url}/bob/")  # discovery
    assert birthdays_of(server, bob, "bob") == {}


def test_the_same_contact_in_two_readable_books_gives_one_event(server, alice):
    make_addressbook(alice, f"{server.url}/alice/copy/", "Copy")
    for book in ("contacts", "copy"):
        put(alice, f"{server.url}/alice/{book}/anna.vcf",
            card("anna", "Anna Nowak", "BDAY:1980-06-12\r\n"))
    assert len(birthdays_of(server, alice)) == 1


def test_turned_off_the_calendar_is_gone_from_discovery_and_back_when_on(server, alice):
    home = f"{server.url}/alice/"
    assert "/alice/birthdays/" in children(alice, home)
    server.cli("user", "set", "alice", "--birthdays", "off", check=True)
    assert "/alice/birthdays/" not in children(alice, home)
    assert alice.request("PROPFIND", home + "birthdays/",
                         headers={"Depth": "0"}).status_code == 404
    server.cli("user", "set", "alice", "--birthdays", "on", check=True)
    assert "/alice/birthdays/" in children(alice, home)


def test_off_by_config_default_and_on_for_one_user(make_server):
    server = make_server(config_text="[birthdays]\nenabled = false\n",
                         users={"alice": "alice-pw", "bob": "bob-pw"})
    server.cli("user", "set", "bob", "--birthdays", "on", check=True)
    alice, bob = server.session("alice", "alice-pw"), server.session("bob", "bob-pw")
    assert "/alice/birthdays/" not in children(alice, f"{server.url}/alice/")
    assert "/bob/birthdays/" in children(bob, f"{server.url}/bob/")


def test_a_new_users_first_request_to_the_birthday_calendar_no_longer_404s(tmp_path):
    """The bug: the home (and so the calendar) did not exist before Radicale's first
    request made it, so the very first read of ``/NAME/birthdays/`` was a 404."""
    from tests.support.server import configured_server

    server = configured_server(tmp_path, "", {"carol": "carol-pw"})
    try:
        carol = server.session("carol", "carol-pw")
        answer = carol.request("PROPFIND", f"{server.url}/carol/birthdays/",
                               headers={"Depth": "0"})
        assert answer.status_code == 207, answer.text
        assert "Birthdays" in answer.text
    finally:
        server.stop()

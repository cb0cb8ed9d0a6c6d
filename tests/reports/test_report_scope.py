"""A report covers only the address books the acting user may read (the App's Policy)."""

from __future__ import annotations

import json

from tests.reports.conftest import Reported


def data(reported: Reported, *args: str) -> dict:
    return json.loads(reported.run("--format", "json", *args))


def test_bob_sees_his_book_and_the_one_shared_with_him_only(reported):
    assert data(reported, "--user", "bob")["address_books"] == [
        "/alice/contacts/", "/bob/contacts/"]


def test_bob_counts_no_contact_of_a_book_he_cannot_read(reported):
    report = data(reported, "--user", "bob")
    readable = [p for p in reported.people if not p.book.startswith("carol/")]
    assert report["sections"]["summary"]["rows"][2] == {
        "measure": "contacts (people)", "count": len(readable)}
    listed = {row["address_book"] for key in ("no_phone", "no_email", "not_contacted")
              for row in report["sections"][key]["rows"]}
    assert listed == {"/alice/contacts/", "/bob/contacts/"}


def test_carol_sees_only_her_own_book(reported):
    assert data(reported, "--user", "carol")["address_books"] == ["/carol/contacts/"]


def test_without_a_user_the_local_admin_sees_every_book(reported):
    report = data(reported, "--all")
    assert (report["user"], report["address_books"]) == (
        None, ["/alice/contacts/", "/bob/contacts/", "/carol/contacts/"])


def test_a_named_book_limits_the_report_to_it(reported):
    report = data(reported, "/bob/contacts/", "--user", "bob")
    assert (report["address_books"], report["cards"]) == (
        ["/bob/contacts/"], sum(1 for p in reported.people if p.book == "bob/contacts"))


def test_naming_a_book_the_user_cannot_read_is_refused_without_saying_it_exists(reported):
    refused = reported.fail("/carol/contacts/", "--user", "bob")
    missing = reported.fail("/nobody/contacts/", "--user", "bob")
    assert "/carol/contacts/ is not an address book user 'bob' may read" in refused
    assert refused.replace("carol", "X") == missing.replace("nobody", "X")


def test_books_and_all_together_are_refused(reported):
    assert "not both" in reported.fail("/bob/contacts/", "--all")

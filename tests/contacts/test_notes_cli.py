"""``cms-dav notes`` and ``cms-dav contacts list`` on a real store (no server needed)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cms_dav.cli import cli
from cms_dav.config import load_settings
from cms_dav.app import build_app
from tests.contacts.index_support import book, card_data, vcard

NOTE = "X-CMS-INTERACTION:i-old;meeting;20260101T090000Z;alice;;Kick-off"


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "var"
    store = build_app(load_settings(folder)).store
    book(store, "alice/contacts")
    book(store, "bob/contacts")
    cards = {"alice/contacts": [("zw", "张伟", "EMAIL:zhang.wei@example.com",
                                 "TEL:+86 138 0013 8000", NOTE),
                                ("zl", "Zhang Li", "EMAIL:li@example.com", "CATEGORIES:VIP"),
                                ("an", "Anna Nowak", "EMAIL:anna@example.com"),
                                ("g", "VIP", "X-ADDRESSBOOKSERVER-KIND:group",
                                 "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:an")],
             "bob/contacts": [("bz", "Zhang Bo", "EMAIL:bo@example.com")]}
    for path, entries in cards.items():
        for uid, fn, *lines in entries:
            store.put_item(path, f"{uid}.vcf", card_data(vcard(uid, fn, *lines), uid), "admin",
                           attested=True)  # seed history as the server's own
    return folder


def run(data_dir, *args):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def timeline(data_dir, contact, user="alice"):
    result = run(data_dir, "notes", "list", contact, "--user", user, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_add_then_list_shows_the_note_first_with_its_author(data_dir):
    result = run(data_dir, "notes", "add", "zhang.wei@example.com", "--user", "alice",
                 "--type", "call", "--text", "Quote: 3 items, 5% off; 会议",
                 "--at", "2026-11-20T10:00Z", "--follow-up", "2026-12-01")
    assert result.exit_code == 0, result.output
    newest = timeline(data_dir, "zw")[0]
    assert (newest["type"], newest["author"], newest["text"]) == (
        "call", "alice", "Quote: 3 items, 5% off; 会议")
    assert (newest["claimed"], newest["follow_up"]) == ("2026-11-20T10:00:00Z", "2026-12-01")


def test_timeline_is_newest_first(data_dir):
    run(data_dir, "notes", "add", "zw", "--user", "alice", "--type", "email", "--text", "later",
        "--at", "2026-06-01T08:00Z")
    assert [n["text"] for n in timeline(data_dir, "zw")] == ["later", "Kick-off"]


def test_contact_found_by_phone_in_another_format(data_dir):
    assert [n["id"] for n in timeline(data_dir, "0086 138-0013-8000")] == ["i-old"]


def test_remove_deletes_the_note_for_good(data_dir):
    result = run(data_dir, "notes", "remove", "zw", "i-old", "--user", "alice")
    assert result.exit_code == 0, result.output
    assert timeline(data_dir, "zw") == []


def test_ambiguous_name_lists_candidates_and_fails(data_dir):
    result = run(data_dir, "notes", "add", "zhang", "--user", "alice", "--type", "note",
                 "--text", "x")
    assert result.exit_code == 1
    assert "matches 2 contacts" in result.output
    assert "uid=zw" in result.output and "uid=zl" in result.output


def test_contact_in_a_book_the_user_cannot_write_is_not_found(data_dir):
    result = run(data_dir, "notes", "add", "zw", "--user", "bob", "--type", "note", "--text", "x")
    assert result.exit_code == 1 and "no contact 'zw'" in result.output


def test_bad_date_is_a_one_line_error_and_changes_nothing(data_dir):
    result = run(data_dir, "notes", "add", "zw", "--user", "alice", "--type", "note", "--text", "x",
                 "--at", "yesterday")
    assert result.exit_code == 1 and "--at 'yesterday'" in result.output
    assert len(timeline(data_dir, "zw")) == 1


def listed(data_dir, *args):
    result = run(data_dir, "contacts", "list", *args, "--json")
    assert result.exit_code == 0, result.output
    return sorted(row["uid"] for row in json.loads(result.stdout))


def test_category_and_group_card_name_the_same_people(data_dir):
    by_category = listed(data_dir, "alice/contacts", "--category", "vip")
    by_group = listed(data_dir, "--user", "alice", "--group", "VIP")
    assert by_category == by_group == ["an", "zl"]


def test_listing_by_user_covers_only_readable_books(data_dir):
    assert listed(data_dir, "--user", "bob") == ["bz"]


def test_listing_a_book_the_user_cannot_read_fails(data_dir):
    result = run(data_dir, "contacts", "list", "alice/contacts", "--user", "bob")
    assert result.exit_code == 1 and "may not read /alice/contacts/" in result.output


def add_follow_up(data_dir, text="Send quote", at="2026-11-20T10:00Z", follow_up="2026-12-01"):
    result = run(data_dir, "notes", "add", "zw", "--user", "alice", "--type", "call",
                 "--text", text, "--at", at, "--follow-up", follow_up)
    assert result.exit_code == 0, result.output
    return result.output.split()[1]  # "added i-... to ..."


def test_done_marks_the_follow_up_done_at_the_given_time(data_dir):
    note_id = add_follow_up(data_dir)
    result = run(data_dir, "notes", "done", "zw", note_id, "--user", "alice",
                 "--at", "2026-12-02T09:30Z")
    assert result.exit_code == 0, result.output
    assert "done: follow-up 2026-12-01" in result.output
    newest = timeline(data_dir, "zw")[0]
    assert (newest["id"], newest["follow_up"], newest["done"]) == (
        note_id, "2026-12-01", "2026-12-02T09:30:00Z")


def test_done_keeps_the_rest_of_the_note(data_dir):
    note_id = add_follow_up(data_dir, text="Quote; 5% off, 会议")
    run(data_dir, "notes", "done", "zw", note_id, "--user", "alice")
    newest = timeline(data_dir, "zw")[0]
    assert (newest["type"], newest["author"], newest["text"], newest["claimed"]) == (
        "call", "alice", "Quote; 5% off, 会议", "2026-11-20T10:00:00Z")


def test_list_shows_a_done_follow_up_as_done(data_dir):
    note_id = add_follow_up(data_dir)
    run(data_dir, "notes", "done", "zw", note_id, "--user", "alice", "--at", "2026-12-02T09:30Z")
    result = run(data_dir, "notes", "list", "zw", "--user", "alice")
    assert "[follow up 2026-12-01, done 2026-12-02T09:30:00Z]" in result.output


def test_done_twice_fails_saying_when_it_was_done(data_dir):
    note_id = add_follow_up(data_dir)
    run(data_dir, "notes", "done", "zw", note_id, "--user", "alice", "--at", "2026-12-02T09:30Z")
    result = run(data_dir, "notes", "done", "zw", note_id, "--user", "alice")
    assert result.exit_code == 1
    assert "done already (2026-12-02T09:30:00Z)" in result.output


def test_done_on_a_note_without_follow_up_fails_naming_it(data_dir):
    result = run(data_dir, "notes", "done", "zw", "i-old", "--user", "alice")
    assert result.exit_code == 1
    assert "'i-old' has no follow-up date" in result.output


def test_done_on_an_unknown_note_fails_naming_it(data_dir):
    result = run(data_dir, "notes", "done", "zw", "i-nope", "--user", "alice")
    assert result.exit_code == 1
    assert "no interaction with id 'i-nope'" in result.output


def test_done_needs_write_access_to_the_book(data_dir):
    note_id = add_follow_up(data_dir)
    result = run(data_dir, "notes", "done", "zw", note_id, "--user", "bob")
    assert result.exit_code == 1
    assert "no contact 'zw'" in result.output
    assert timeline(data_dir, "zw")[0]["done"] == ""


def test_a_later_note_with_its_own_follow_up_says_which_follow_up_it_replaces(data_dir):
    first = add_follow_up(data_dir)
    result = run(data_dir, "notes", "add", "zw", "--user", "alice", "--type", "meeting",
                 "--text", "Demo", "--at", "2026-11-25T10:00Z", "--follow-up", "2026-12-15")
    assert result.exit_code == 0, result.output
    assert f"closes follow-up 2026-12-01 of {first}" in result.output


def test_a_later_note_without_follow_up_replaces_nothing(data_dir):
    add_follow_up(data_dir)
    result = run(data_dir, "notes", "add", "zw", "--user", "alice", "--type", "email",
                 "--text", "Brochure", "--at", "2026-11-25T10:00Z")
    assert result.exit_code == 0 and "closes" not in result.output


def test_reopen_takes_the_done_mark_away(data_dir):
    note_id = add_follow_up(data_dir)
    run(data_dir, "notes", "done", "zw", note_id, "--user", "alice")
    result = run(data_dir, "notes", "reopen", "zw", note_id, "--user", "alice")
    assert result.exit_code == 0, result.output
    newest = timeline(data_dir, "zw")[0]
    assert (newest["id"], newest["follow_up"], newest["done"]) == (note_id, "2026-12-01", "")


def test_reopen_of_an_open_follow_up_fails_saying_so(data_dir):
    note_id = add_follow_up(data_dir)
    result = run(data_dir, "notes", "reopen", "zw", note_id, "--user", "alice")
    assert result.exit_code == 1
    assert "is not done" in result.output

"""``cms-dav history`` list, show and restore on a real store (issue 13 item 4)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cms_dav.app import build_app
from cms_dav.cli import cli
from cms_dav.config import load_settings
from cms_dav.store.schema import audit, history
from cms_dav.contacts.upload_filter import etag_of
from tests.contacts.index_support import book, card_data, vcard

V1 = vcard("ada", "Ada Lovelace", "TEL:+44 20 7946 0000", "EMAIL:ada@example.com")
V2 = vcard("ada", "Ada Lovelace", "TEL:+44 20 7946 0001", "EMAIL:ada@example.com",
           "NOTE:met at the society")
V3 = vcard("ada", "Ada King", "TEL:+44 20 7946 0001", "EMAIL:ada@example.com",
           "NOTE:met at the society")


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "var"
    with build_app(load_settings(folder)) as app:
        book(app.store, "alice/contacts")
        for text, author in ((V1, "alice"), (V2, "bob"), (V3, "alice")):
            app.store.put_item("alice/contacts", "ada.vcf", card_data(text, "ada"), author)
    return folder


def run(data_dir, *args):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def listing(data_dir, *extra):
    result = run(data_dir, "history", "ada@example.com", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored(data_dir, query):
    with build_app(load_settings(data_dir)) as app, app.store.reading() as conn:
        return conn.execute(query).all()


def current_text(data_dir) -> str:
    with build_app(load_settings(data_dir)) as app:
        record = app.store.collection("alice/contacts")
        return app.store.item_text(record.id, "ada.vcf")


def test_listing_is_newest_first_with_author_and_what_changed(data_dir):
    rows = listing(data_dir)
    assert [(r["author"], r["summary"]) for r in rows] == [
        ("alice", "FN changed"),
        ("bob", "TEL changed, NOTE added"),
        ("", "oldest kept version")]
    assert rows[0]["version"] == "current"
    assert rows[0]["at"] is not None and rows[2]["at"] is None


def test_listing_as_text_names_the_contact_and_each_version(data_dir):
    result = run(data_dir, "history", "ada")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Ada King (/alice/contacts/ada.vcf)"
    assert "alice: FN changed" in lines[1] and "bob: TEL changed, NOTE added" in lines[2]


def test_show_prints_the_version_exactly_as_stored(data_dir):
    first = listing(data_dir)[-1]["version"]
    result = run(data_dir, "history", "show", "ada", first)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == V1.encode("utf-8")


def test_restore_makes_the_old_text_current_byte_for_byte(data_dir):
    first = listing(data_dir)[-1]["version"]
    result = run(data_dir, "history", "restore", "ada", first, "--user", "alice")
    assert result.exit_code == 0, result.output
    assert current_text(data_dir) == V1


def test_restore_keeps_the_replaced_version_and_lists_itself(data_dir):
    first = listing(data_dir)[-1]["version"]
    run(data_dir, "history", "restore", "ada", first, "--user", "alice")
    rows = listing(data_dir)
    assert (rows[0]["author"], rows[0]["summary"]) == ("alice", "FN changed, TEL changed, "
                                                       "NOTE removed")
    assert len(rows) == 4
    replaced = stored(data_dir, select(history.c.text).order_by(history.c.id.desc()).limit(1))
    assert replaced[0].text == V3


def test_restore_is_audited_as_restore_by_the_acting_user(data_dir):
    first = listing(data_dir)[-1]["version"]
    run(data_dir, "history", "restore", "ada", first, "--user", "alice")
    rows = stored(data_dir, select(audit).order_by(audit.c.id.desc()).limit(1))
    assert (rows[0].actor, rows[0].door, rows[0].kind, rows[0].action, rows[0].target) == (
        "alice", "cli", "restore", "restore", "alice/contacts/ada.vcf")
    assert (rows[0].old_etag, rows[0].new_etag) == (etag_of(V3), etag_of(V1))
    assert json.loads(rows[0].detail)["version"] == first


def test_restore_is_refused_for_a_user_who_may_only_read(data_dir):
    granted = run(data_dir, "share", "grant", "/alice/contacts/", "--to", "user:bob",
                  "--access", "read")
    assert granted.exit_code == 0, granted.output
    first = listing(data_dir, "--user", "bob")[-1]["version"]
    result = run(data_dir, "history", "restore", "ada", first, "--user", "bob")
    assert result.exit_code == 1
    assert "cannot restore: user 'bob' may not write to /alice/contacts/" in result.output
    assert current_text(data_dir) == V3


def test_a_user_without_access_does_not_find_the_contact(data_dir):
    result = run(data_dir, "history", "ada", "--user", "carol")
    assert result.exit_code == 1
    assert "no contact 'ada' in an address book 'carol' may read" in result.output


def test_an_unknown_version_is_refused_with_a_pointer_to_the_listing(data_dir):
    result = run(data_dir, "history", "show", "ada", "999999")
    assert result.exit_code == 1
    assert "no version '999999' of Ada King" in result.output
    assert "cms-dav history ada" in result.output


def test_restoring_the_current_text_changes_nothing(data_dir):
    result = run(data_dir, "history", "restore", "ada", "current")
    assert result.exit_code == 0, result.output
    assert "nothing changed" in result.output
    assert len(listing(data_dir)) == 3

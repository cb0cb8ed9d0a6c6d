"""Issue 14 item 5 from the CLI: `notes remove` by the author or an admin only, audited;
imported entries recorded under the importing user."""

from __future__ import annotations

from cms_dav.app import build_app
from cms_dav.config import load_settings
from cms_dav.store.audit import recent
from tests.contacts.test_notes_cli import data_dir, run, timeline  # noqa: F401 (fixture)

RIGHTS = """admins = ["root"]
[[grant]]
path = "/alice/contacts/"
to = "user:bob"
access = "write"
[[grant]]
path = "/alice/contacts/"
to = "user:root"
access = "write"
"""


def with_rights(folder):
    (folder / "rights.toml").write_text(RIGHTS, encoding="utf-8")
    return folder


def test_a_writer_who_is_not_the_author_may_not_remove_a_note(data_dir):  # noqa: F811
    result = run(with_rights(data_dir), "notes", "remove", "zw", "i-old", "--user", "bob")
    assert result.exit_code == 1
    assert "note 'i-old' is by 'alice': only its author or an admin may remove it" in result.output
    assert [n["id"] for n in timeline(data_dir, "zw")] == ["i-old"]


def test_an_admin_may_remove_anyones_note(data_dir):  # noqa: F811
    result = run(with_rights(data_dir), "notes", "remove", "zw", "i-old", "--user", "root")
    assert result.exit_code == 0, result.output
    assert timeline(data_dir, "zw") == []


def test_a_removal_is_audited_with_what_was_removed(data_dir):  # noqa: F811
    run(data_dir, "notes", "remove", "zw", "i-old", "--user", "alice")
    with build_app(load_settings(data_dir)) as app, app.store.reading() as conn:
        [entry] = [row for row in recent(conn, 50) if row["action"] == "contact.note.remove"]
    assert (entry["actor"], entry["detail"]["note"], entry["detail"]["author"],
            entry["detail"]["text"]) == ("alice", "i-old", "alice", "Kick-off")


def test_an_imported_entry_is_recorded_under_the_importing_user_with_its_date_claimed(
        data_dir, tmp_path):  # noqa: F811
    source = tmp_path / "in.vcf"
    source.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:imp\r\nFN:Imported Person\r\n"
                      "EMAIL:imported@example.com\r\n"
                      "X-CMS-INTERACTION:i-imp;meeting;20200101T090000Z;bob;;Met in 2020\r\n"
                      "END:VCARD\r\n", encoding="utf-8")
    result = run(data_dir, "import", str(source), "--into", "alice/contacts", "--user", "alice")
    assert result.exit_code == 0, result.output
    [entry] = timeline(data_dir, "imported@example.com")
    assert (entry["author"], entry["claimed"]) == ("alice", "2020-01-01T09:00:00Z")


def test_removing_an_unknown_note_says_there_is_none(data_dir):  # noqa: F811
    result = run(with_rights(data_dir), "notes", "remove", "zw", "i-nope", "--user", "bob")
    assert result.exit_code == 1 and "no interaction with id 'i-nope'" in result.output

"""Issue 14 item 5: ``notes remove`` by the note's author or an admin only, audited."""

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

"""CLI edits of the rights file keep the admin's comments and stay valid."""

import pytest

from cms_dav.acl import editor
from cms_dav.acl.rules import RightsFileError, parse_rules

ORIGINAL = '''# Team policy -- keep this comment
admins = ["root"]  # the boss

[groups.sales]
# our sellers
members = ["alice"]
'''


@pytest.fixture
def rights(tmp_path):
    path = tmp_path / "rights.toml"
    path.write_text(ORIGINAL)
    return path


def test_adding_a_member_keeps_comments(rights):
    editor.set_membership(rights, "sales", "bob", True)
    text = rights.read_text()
    assert "# Team policy -- keep this comment" in text and "# our sellers" in text
    assert "# the boss" in text
    assert parse_rules(text).groups["sales"] == {"alice", "bob"}


def test_removing_a_member(rights):
    editor.set_membership(rights, "sales", "alice", False)
    assert parse_rules(rights.read_text()).groups["sales"] == frozenset()


def test_adding_a_group_to_a_missing_file_creates_it(tmp_path):
    path = tmp_path / "new" / "rights.toml"
    editor.add_group(path, "support")
    assert parse_rules(path.read_text()).groups == {"support": frozenset()}


def test_adding_an_existing_group_is_refused(rights):
    with pytest.raises(editor.RightsEditError, match="already exists"):
        editor.add_group(rights, "sales")


def test_a_group_used_by_a_grant_cannot_be_removed(rights):
    editor.add_grant(rights, "/alice/cal/", "group:sales", "read")
    with pytest.raises(editor.RightsEditError, match="grant"):
        editor.remove_group(rights, "sales")


def test_a_grant_is_added_then_removed(rights):
    editor.add_grant(rights, "/alice/cal/", "user:bob", "write")
    grants = parse_rules(rights.read_text()).grants
    assert [(g.path, g.to, g.access) for g in grants] == [("/alice/cal/", "user:bob", "write")]
    assert editor.remove_grant(rights, "/alice/cal/", "user:bob") is True
    assert parse_rules(rights.read_text()).grants == ()


def test_an_edit_that_would_break_the_file_is_refused_and_nothing_changes(rights):
    with pytest.raises(editor.RightsEditError):
        editor.add_grant(rights, "/alice/cal/", "group:nobody", "read")
    assert rights.read_text() == ORIGINAL


def test_a_broken_file_is_not_edited(rights):
    rights.write_text("admins = [\n")
    with pytest.raises(RightsFileError, match="Invalid value"):
        editor.add_group(rights, "x")
    assert rights.read_text() == "admins = [\n"

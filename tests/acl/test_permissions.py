"""Effective rights: union of owner, group, admin, rights-file and share sources."""

import pytest

from cms_dav.acl.permissions import ShareGrant, letters, sources
from cms_dav.acl.rules import parse_rules

RULES = parse_rules('''
admins = ["root"]
[groups.sales]
members = ["alice", "bob"]
[groups.support]
members = ["carol"]
[[grant]]
path = "/carol/kb/"
to = "user:dave"
access = "read"
[[grant]]
path = "/carol/wiki/"
to = "group:sales"
access = "write"
''')
SHARES = [ShareGrant(7, "/alice/cal-ro/", "r", "bob"),
          ShareGrant(8, "/alice/cal-rw/", "rw", ":support")]


def rights(user, path):
    return letters(user, RULES.groups_of(user), path, RULES, SHARES)


def test_anonymous_gets_nothing_anywhere():
    assert rights("", "/") == "" and rights("", "/alice/") == ""


def test_every_user_may_read_the_root_only():
    assert rights("dave", "/") == "R"


def test_the_owner_has_full_rights_on_home_and_collections():
    assert set(rights("alice", "/alice/")) >= set("RW")
    assert set(rights("alice", "/alice/contacts/")) >= set("rw")


def test_other_users_get_nothing_in_someone_elses_home():
    assert rights("dave", "/alice/") == "" and rights("dave", "/alice/contacts/") == ""


def test_group_members_read_the_group_folders_and_write_group_collections():
    assert rights("bob", "/groups/") == "R"
    assert rights("bob", "/groups/sales/") == "R"
    assert set(rights("bob", "/groups/sales/contacts/")) >= set("rw")


def test_non_members_get_nothing_in_a_group_folder():
    assert rights("carol", "/groups/sales/") == ""
    assert rights("carol", "/groups/sales/contacts/") == ""
    assert rights("dave", "/groups/") == ""


def test_admins_have_full_rights_everywhere():
    assert set(rights("root", "/alice/contacts/")) >= set("rwRW")


def test_a_read_grant_gives_read_without_write():
    granted = rights("dave", "/carol/kb/")
    assert "r" in granted and "w" not in granted and "W" not in granted


def test_a_group_grant_reaches_every_member():
    assert "w" in rights("alice", "/carol/wiki/") and "w" in rights("bob", "/carol/wiki/")


def test_a_grant_does_not_leak_to_a_sibling_with_a_longer_name():
    assert rights("dave", "/carol/kb-private/") == ""


def test_a_read_share_gives_read_only_and_a_group_share_reaches_members():
    assert rights("bob", "/alice/cal-ro/") == "r"
    assert rights("carol", "/alice/cal-rw/") == "rw"
    assert rights("dave", "/alice/cal-rw/") == ""


@pytest.mark.parametrize("path", ["/Carol/kb/", "/carol/KB/", "/carol/kb/../", "/carol/"])
def test_spelling_variants_of_a_granted_path_grant_nothing(path):
    assert rights("dave", path) == ""


def test_sources_say_where_each_right_comes_from():
    found = sources("bob", RULES.groups_of("bob"), "/carol/wiki/", RULES, SHARES)
    grant_line = RULES.grants[1].line
    assert [(s.kind, s.ref) for s in found] == [("rights-file", f"line {grant_line}")]
    found = sources("bob", RULES.groups_of("bob"), "/alice/cal-ro/", RULES, SHARES)
    assert [(s.kind, s.ref) for s in found] == [("share", "share 7")]


def test_members_cannot_create_or_delete_group_collections():
    missing = letters("bob", RULES.groups_of("bob"), "/groups/sales/new/", RULES, (),
                      group_collection_exists=lambda path: False)
    existing = letters("bob", RULES.groups_of("bob"), "/groups/sales/contacts/", RULES, ())
    assert missing == "" and "d" in existing

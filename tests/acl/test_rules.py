"""The rights file format: what it accepts and how it reports what it refuses."""

import pytest

from cms_dav.acl.rules import RightsFileError, canonical_path, parse_rules

GOOD = '''# who runs the place
admins = ["root"]

[groups.sales]
members = ["alice", "bob"]

[groups.support]
members = ["carol"]

[[grant]]
path = "/alice/team-cal/"
to = "group:sales"
access = "read"

[[grant]]
path = "/carol/kb/"
to = "user:dave"
access = "write"
'''


def test_a_valid_file_yields_admins_groups_and_grants():
    rules = parse_rules(GOOD)
    assert rules.admins == {"root"}
    assert rules.groups == {"sales": {"alice", "bob"}, "support": {"carol"}}
    assert [(g.path, g.to, g.access) for g in rules.grants] == [
        ("/alice/team-cal/", "group:sales", "read"), ("/carol/kb/", "user:dave", "write")]


def test_each_grant_remembers_the_line_it_was_written_on():
    lines = GOOD.splitlines()
    expected = [n for n, line in enumerate(lines, start=1) if line == "[[grant]]"]
    assert [g.line for g in parse_rules(GOOD).grants] == expected


def test_groups_of_a_user_are_the_groups_listing_them():
    assert parse_rules(GOOD).groups_of("bob") == {"sales"}
    assert parse_rules(GOOD).groups_of("dave") == frozenset()


def test_an_empty_file_means_no_admins_no_groups_no_grants():
    rules = parse_rules("")
    assert (rules.admins, rules.groups, rules.grants) == (frozenset(), {}, ())


def _error(text: str) -> str:
    with pytest.raises(RightsFileError) as info:
        parse_rules(text, "rights.toml")
    return str(info.value)


def test_a_toml_syntax_error_names_the_line():
    assert "line 3" in _error('admins = []\n\n[groups.sales\nmembers = []\n')


def test_an_unknown_access_level_names_its_line_and_the_allowed_values():
    text = GOOD.replace('access = "write"', 'access = "everything"')
    line = text.splitlines().index('access = "everything"') + 1
    message = _error(text)
    assert f"line {line}" in message and "everything" in message and "read" in message


def test_a_grant_to_an_undefined_group_is_refused():
    text = GOOD.replace('to = "group:sales"', 'to = "group:marketing"')
    line = text.splitlines().index('to = "group:marketing"') + 1
    message = _error(text)
    assert f"line {line}" in message and "marketing" in message


def test_a_grant_missing_a_key_is_refused_at_its_header():
    message = _error('[[grant]]\npath = "/a/b/"\nto = "authenticated"\n')
    assert "line 1" in message and "access" in message


def test_an_unknown_top_level_key_is_refused():
    assert "line 2" in _error('admins = []\nadmin = ["root"]\n')


def test_a_member_name_with_a_slash_is_refused():
    assert "line 2" in _error('[groups.sales]\nmembers = ["../alice"]\n')


@pytest.mark.parametrize("path", ["/alice/../bob/", "/alice//x/", "alice/x/", "/alice/x",
                                  "/alice/%2e%2e/", "/alice/./x/", "/", "/a\\b/"])
def test_a_grant_path_that_is_not_canonical_is_refused(path):
    with pytest.raises(ValueError, match=r"invalid segment|must start and end with '/'"):
        canonical_path(path)
    assert "path" in _error(f'[[grant]]\npath = "{path.replace(chr(92), chr(92) * 2)}"\n'
                            'to = "authenticated"\naccess = "read"\n')

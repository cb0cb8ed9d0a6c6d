"""Unknown sections and keys are refused with the file, the line and the nearest valid
name (issue 11, point 5: "config that refuses typos")."""

from __future__ import annotations

from pathlib import Path

from tests.config.support import load, refusal


def test_lockout_treshold_typo_is_refused_with_suggestion(tmp_path: Path) -> None:
    text = "# users\n\n[auth]\n\n# one per network\n\nlockout_treshold = 3\n"
    assert refusal(tmp_path, text) == ("[auth] lockout_treshold (cms-dav.conf line 7): "
                                       "unknown key; did you mean lockout_threshold?")


def test_unknown_key_with_nothing_close_lists_the_keys_of_its_section(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[trash]\nfrobnicate = 1\n") == (
        "[trash] frobnicate (cms-dav.conf line 2): unknown key; valid: days")


def test_key_of_another_section_names_the_section_it_belongs_to(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[server]\ndatabase_url = sqlite:///x\n") == (
        "[server] database_url (cms-dav.conf line 2): unknown key; "
        "did you mean [storage] database_url?")


def test_unknown_section_is_refused_with_suggestion(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[server]\nport = 1\n[sever]\nport = 2\n") == (
        "[sever] (cms-dav.conf line 3): unknown section; did you mean [server]?")


def test_section_names_are_case_sensitive_and_the_hint_says_which(tmp_path: Path) -> None:
    assert "did you mean [server]?" in refusal(tmp_path, "[Server]\nport = 1\n")


def test_unknown_section_with_nothing_close_lists_the_sections(tmp_path: Path) -> None:
    message = refusal(tmp_path, "[zzzzzz]\n")
    assert message.startswith("[zzzzzz] (cms-dav.conf line 1): unknown section; valid: "
                              "[server], [storage], [auth]")
    assert message.endswith("[radicale:NAME]")


def test_default_section_is_not_a_way_to_set_every_section(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[DEFAULT]\nport = 1\n").startswith(
        "[DEFAULT] (cms-dav.conf line 1): unknown section")


def test_plain_radicale_section_points_to_radicale_name(tmp_path: Path) -> None:
    assert "[radicale:NAME]" in refusal(tmp_path, "[radicale]\nssl = True\n")


def test_keys_are_case_insensitive_as_in_configparser(tmp_path: Path) -> None:
    assert load(tmp_path, "[server]\nPort = 6000\n").port == 6000


def test_line_numbers_skip_continuation_lines_and_comments(tmp_path: Path) -> None:
    text = "[storage]\ndatabase_url =\n  sqlite:///x\n; note\n[auth]\nlockout_treshold = 1\n"
    assert "(cms-dav.conf line 6)" in refusal(tmp_path, text)


def test_a_key_given_twice_names_its_second_line(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[server]\nport = 1\nport = 2\n") == (
        "[server] port (cms-dav.conf line 3): the key appears twice in the section")


def test_a_key_before_any_section_names_its_line(tmp_path: Path) -> None:
    assert refusal(tmp_path, "port = 1\n") == (
        "cms-dav.conf line 1: 'port = 1' comes before any [section]")

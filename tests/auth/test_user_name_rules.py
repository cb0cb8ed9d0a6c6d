"""Which user names and passwords the users file accepts, and how it says no."""

from __future__ import annotations

import pytest

from cms_dav.auth.errors import InvalidPassword, InvalidUserName
from cms_dav.auth.validation import MAX_NAME_LENGTH, check_password, check_user_name


@pytest.mark.parametrize("name", ["alice", "bob.smith", "anne-marie_2", "jörg", "a@example.org"])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert check_user_name(name) == name


@pytest.mark.parametrize(("name", "problem"), [
    ("", "empty"),
    ("a:b", "colon"),
    ("a,b", "comma"),
    ("a/b", "slash"),
    ("a b", "whitespace"),
    ("a\tb", "whitespace"),
    ("a\x07b", "control character"),
    ("a\u200bb", "control character"),
    (".hidden", "start with '.'"),
    ("x" * (MAX_NAME_LENGTH + 1), f"at most {MAX_NAME_LENGTH}"),
])
def test_bad_names_are_refused_naming_the_problem(name: str, problem: str) -> None:
    with pytest.raises(InvalidUserName, match=problem):
        check_user_name(name)


def test_a_name_of_exactly_the_maximum_length_is_accepted() -> None:
    name = "x" * MAX_NAME_LENGTH
    assert check_user_name(name) == name


def test_a_password_of_72_bytes_is_accepted() -> None:
    password = "é" * 36  # 2 bytes each in UTF-8
    assert check_password(password) == password


def test_a_password_over_72_bytes_is_refused_instead_of_truncated() -> None:
    with pytest.raises(InvalidPassword, match="73 bytes long; bcrypt uses at most 72"):
        check_password("é" * 36 + "x")


@pytest.mark.parametrize(("password", "problem"), [
    ("", "empty"), ("a\x00b", "NUL"), ("a\nb", "line break")])
def test_passwords_bcrypt_cannot_store_faithfully_are_refused(password: str, problem: str) -> None:
    with pytest.raises(InvalidPassword, match=problem):
        check_password(password)

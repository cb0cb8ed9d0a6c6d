"""``cms-dav user ...``: managing logins from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.cli import cli


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def users_file(data_dir: Path) -> HtpasswdFile:
    return HtpasswdFile(data_dir / "users")


def run(data_dir: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), "user", *args], input=input)


class _Terminal:
    """Stands in for the ``sys`` module so that stdin claims to be a terminal."""

    class _Stdin:
        def __getattr__(self, name: str) -> Any:
            return getattr(sys.stdin, name)

        def isatty(self) -> bool:
            return True

    stdin = _Stdin()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import cms_dav.cli.common
    import cms_dav.cli.users
    monkeypatch.setattr(cms_dav.cli.common, "sys", _Terminal())
    monkeypatch.setattr(cms_dav.cli.users, "sys", _Terminal())


def test_add_with_password_stdin_creates_the_login(data_dir: Path,
                                                   users_file: HtpasswdFile) -> None:
    result = run(data_dir, "add", "alice", "--password-stdin", input="s3cret\n")
    assert result.exit_code == 0, result.output
    assert "added user alice" in result.output
    assert users_file.verify("alice", "s3cret")


def test_add_on_a_terminal_asks_twice(
        terminal: None, data_dir: Path, users_file: HtpasswdFile) -> None:
    result = run(data_dir, "add", "alice", input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert users_file.verify("alice", "s3cret")


def test_add_on_a_terminal_with_two_different_answers_stores_nothing(
        terminal: None, data_dir: Path, users_file: HtpasswdFile) -> None:
    result = run(data_dir, "add", "alice", input="one\ntwo\n")
    assert result.exit_code != 0
    assert users_file.names() == []


def test_add_without_terminal_or_password_stdin_is_an_error(data_dir: Path) -> None:
    result = run(data_dir, "add", "alice", input="")
    assert result.exit_code == 1
    assert "use --password-stdin" in result.output


def test_add_of_an_existing_user_is_a_one_line_error(data_dir: Path) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    result = run(data_dir, "add", "alice", "--password-stdin", input="pw2\n")
    assert result.exit_code == 1
    assert result.output == "error: user 'alice' already exists\n"


@pytest.mark.parametrize(("name", "problem"), [("a:b", "colon"), ("a b", "whitespace"),
                                               (".x", "must not start with '.'")])
def test_add_with_a_bad_name_is_refused_before_asking(
        data_dir: Path, users_file: HtpasswdFile, name: str, problem: str) -> None:
    result = run(data_dir, "add", name, input="")
    assert result.exit_code == 1
    assert problem in result.output
    assert users_file.names() == []


def test_add_with_an_overlong_password_is_refused(
        data_dir: Path, users_file: HtpasswdFile) -> None:
    result = run(data_dir, "add", "alice", "--password-stdin", input="x" * 73 + "\n")
    assert result.exit_code == 1
    assert "73 bytes" in result.output
    assert users_file.names() == []


def test_add_with_an_empty_password_is_refused(data_dir: Path) -> None:
    result = run(data_dir, "add", "alice", "--password-stdin", input="\n")
    assert result.exit_code == 1
    assert "must not be empty" in result.output


def test_passwd_changes_the_password(data_dir: Path, users_file: HtpasswdFile) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="old\n")
    result = run(data_dir, "passwd", "alice", "--password-stdin", input="new\n")
    assert result.exit_code == 0, result.output
    assert users_file.verify("alice", "new")


def test_passwd_of_a_missing_user_is_an_error(data_dir: Path) -> None:
    result = run(data_dir, "passwd", "ghost", "--password-stdin", input="pw\n")
    assert result.exit_code == 1
    assert "'ghost' does not exist" in result.output


def test_remove_with_yes_deletes_the_login(data_dir: Path, users_file: HtpasswdFile) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    result = run(data_dir, "remove", "alice", "--yes")
    assert result.exit_code == 0, result.output
    assert users_file.names() == []


def test_remove_without_yes_and_without_terminal_changes_nothing(
        data_dir: Path, users_file: HtpasswdFile) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    result = run(data_dir, "remove", "alice")
    assert result.exit_code == 1
    assert "use --yes" in result.output
    assert users_file.names() == ["alice"]


def test_remove_on_a_terminal_asks_for_confirmation(
        terminal: None, data_dir: Path, users_file: HtpasswdFile) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    declined = run(data_dir, "remove", "alice", input="n\n")
    assert declined.exit_code != 0 and users_file.names() == ["alice"]
    accepted = run(data_dir, "remove", "alice", input="y\n")
    assert accepted.exit_code == 0 and users_file.names() == []


def test_remove_of_a_missing_user_is_an_error(data_dir: Path) -> None:
    result = run(data_dir, "remove", "ghost", "--yes")
    assert result.exit_code == 1
    assert "'ghost' does not exist" in result.output


def test_list_prints_one_name_per_line(data_dir: Path) -> None:
    for name in ("bob", "alice"):
        run(data_dir, "add", name, "--password-stdin", input="pw\n")
    result = run(data_dir, "list")
    assert result.output.splitlines() == ["alice", "bob"]


def test_list_json_gives_names(data_dir: Path) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    result = run(data_dir, "list", "--json")
    assert json.loads(result.output) == [{"name": "alice"}]


def test_no_command_prints_a_hash(data_dir: Path) -> None:
    outputs = [
        run(data_dir, "add", "alice", "--password-stdin", input="pw\n").output,
        run(data_dir, "passwd", "alice", "--password-stdin", input="pw2\n").output,
        run(data_dir, "list").output,
        run(data_dir, "list", "--json").output,
        run(data_dir, "remove", "alice", "--yes").output,
    ]
    assert all(output for output in outputs)
    assert not any("$2" in output for output in outputs)


def test_installed_command_adds_a_user(data_dir: Path, users_file: HtpasswdFile) -> None:
    command = Path(sys.executable).with_name("cms-dav")
    done = subprocess.run([str(command), "--data-dir", str(data_dir), "user", "add", "alice",
                           "--password-stdin"], input="pw\n", capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert "$2" not in done.stdout + done.stderr
    assert users_file.verify("alice", "pw")


def audit_trail(data_dir: Path) -> list[tuple[str, str, str]]:
    from cms_dav.config import load_settings
    from cms_dav.store.audit import recent
    from cms_dav.store.store import Store
    settings = load_settings(data_dir)
    with Store.open(settings.database_url).reading() as conn:
        rows = recent(conn)
    return [(row["actor"], row["action"], row["target"]) for row in reversed(rows)]


def test_every_change_is_recorded_in_the_audit_trail(data_dir: Path) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    run(data_dir, "passwd", "alice", "--password-stdin", input="pw2\n")
    run(data_dir, "remove", "alice", "--yes")
    assert [row for row in audit_trail(data_dir) if row[1].startswith("user.")] == [
        ("local-admin", "user.add", "alice"),
        ("local-admin", "user.passwd", "alice"),
        ("local-admin", "user.remove", "alice"),
    ]


def test_refused_change_is_not_audited(data_dir: Path) -> None:
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    run(data_dir, "add", "alice", "--password-stdin", input="pw\n")
    assert [row[1] for row in audit_trail(data_dir)].count("user.add") == 1


def test_unwritable_audit_trail_is_a_warning_after_the_change(
        tmp_path: Path, data_dir: Path, users_file: HtpasswdFile) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    config = tmp_path / "cms-dav.conf"
    config.write_text(f"[storage]\ndatabase_url = sqlite:///{blocker}/db.sqlite3\n")
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "--config", str(config),
                                      "user", "add", "alice", "--password-stdin"], input="pw\n")
    assert result.exit_code == 0, result.output
    assert "warning: user.add 'alice' done, but the audit trail could not be written" \
        in result.output
    assert users_file.verify("alice", "pw")

"""``cms-dav token add|list|revoke``: app passwords from the command line."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner, Result

from cms_dav.app import App, build_app
from cms_dav.auth import Login
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.cli import cli
from cms_dav.config import load_settings
from cms_dav.store.audit import AuditFilter, search


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("token-cli")
    users = HtpasswdFile(path / "users", rounds=4)
    users.add("alice", "alice-pw")
    users.add("bob", "bob-pw")
    return path


@pytest.fixture(scope="module")
def app(data_dir: Path) -> Iterator[App]:
    built = build_app(load_settings(data_dir))
    yield built
    built.close()


def run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), "token", *args])


def add(data_dir: Path, *args: str) -> str:
    """The token ``token add`` printed (alone on stdout)."""
    result = run(data_dir, "add", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def listed(data_dir: Path, user: str) -> dict[str, dict[str, Any]]:
    result = run(data_dir, "list", user, "--json")
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_add_prints_a_token_that_logs_in_as_its_user_with_its_scope(data_dir: Path,
                                                                   app: App) -> None:
    token = add(data_dir, "alice", "--name", "iPhone", "--scope", "read")
    assert app.authenticator.login("alice", token, None) == Login("alice", "read")


def test_add_says_on_stderr_that_the_token_is_shown_once(data_dir: Path) -> None:
    result = run(data_dir, "add", "alice", "--name", "once")
    assert "not shown again" in result.stderr and "not shown again" not in result.stdout


def test_the_default_scope_is_write(data_dir: Path) -> None:
    add(data_dir, "alice", "--name", "default-scope")
    assert listed(data_dir, "alice")["default-scope"]["scope"] == "write"


def test_list_json_shows_scope_dates_and_state(data_dir: Path) -> None:
    add(data_dir, "bob", "--name", "crm", "--scope", "admin", "--expires", "90d")
    row = listed(data_dir, "bob")["crm"]
    lifetime = datetime.fromisoformat(row["expires"]) - datetime.fromisoformat(row["created"])
    assert (row["scope"], row["last_used"], row["state"]) == ("admin", None, "active")
    assert round(lifetime.total_seconds() / 86400) == 90


def test_list_never_shows_the_token_or_its_hash(data_dir: Path) -> None:
    token = add(data_dir, "alice", "--name", "secret-keeper")
    secret = token[len("cmsdav_") + 13:]
    digest = hashlib.sha256(secret.encode()).hexdigest()
    outputs = run(data_dir, "list", "alice").output + run(data_dir, "list", "alice",
                                                          "--json").output
    assert "secret-keeper" in outputs
    for revealing in (token, secret, digest):
        assert revealing not in outputs


def test_revoke_refuses_the_token_at_once_and_lists_it_as_revoked(data_dir: Path,
                                                                   app: App) -> None:
    token = add(data_dir, "alice", "--name", "old-laptop")
    assert app.authenticator.login("alice", token, None) is not None
    result = run(data_dir, "revoke", "alice", "old-laptop")
    assert result.exit_code == 0, result.output
    assert app.authenticator.login("alice", token, None) is None
    assert listed(data_dir, "alice")["old-laptop"]["state"] == "revoked"


def test_a_revoked_name_can_be_given_to_a_new_token(data_dir: Path) -> None:
    add(data_dir, "bob", "--name", "tablet")
    run(data_dir, "revoke", "bob", "tablet")
    add(data_dir, "bob", "--name", "tablet")
    assert listed(data_dir, "bob")["tablet"]["state"] == "active"


def test_add_refuses_a_name_the_user_already_has(data_dir: Path) -> None:
    add(data_dir, "alice", "--name", "twice")
    result = run(data_dir, "add", "alice", "--name", "twice")
    assert result.exit_code == 1 and "already has an app password named 'twice'" in result.output


def test_add_refuses_an_unknown_user(data_dir: Path) -> None:
    result = run(data_dir, "add", "mallory", "--name", "x")
    assert result.exit_code == 1 and "user 'mallory' does not exist" in result.output


def test_add_refuses_an_expiry_it_cannot_read(data_dir: Path) -> None:
    result = run(data_dir, "add", "alice", "--name", "soon", "--expires", "tomorrow")
    assert result.exit_code == 1 and "--expires 'tomorrow'" in result.output


def test_revoke_of_a_name_the_user_does_not_have_fails(data_dir: Path) -> None:
    result = run(data_dir, "revoke", "alice", "no-such-device")
    assert result.exit_code == 1 and "no active app password named" in result.output


def test_add_and_revoke_are_in_the_audit_trail_without_the_token(data_dir: Path,
                                                                app: App) -> None:
    token = add(data_dir, "bob", "--name", "audited")
    run(data_dir, "revoke", "bob", "audited")
    with app.store.reading() as conn:
        entries = search(conn, AuditFilter(limit=20))
    actions = [entry["action"] for entry in entries if "audited" in json.dumps(entry)]
    assert set(actions) == {"user.token.add", "user.token.revoke"}
    assert token not in json.dumps(entries)


def test_a_user_made_again_under_a_removed_name_does_not_inherit_its_tokens(
        data_dir: Path, app: App) -> None:
    HtpasswdFile(data_dir / "users", rounds=4).add("carol", "carol-pw")
    token = add(data_dir, "carol", "--name", "phone")
    user = ["--data-dir", str(data_dir), "user"]
    assert CliRunner().invoke(cli, [*user, "remove", "carol", "--yes"]).exit_code == 0
    HtpasswdFile(data_dir / "users", rounds=4).add("carol", "new-carol-pw")
    assert app.authenticator.login("carol", token, None) is None
    assert listed(data_dir, "carol") == {}

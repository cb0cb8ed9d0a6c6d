"""The bcrypt users file: changes, verification, format and reloading."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cms_dav.auth.errors import InvalidPassword, InvalidUserName, UnknownUser, UserExists
from cms_dav.auth.htpasswd import HtpasswdFile


def test_added_user_is_listed_and_exists(users: HtpasswdFile) -> None:
    users.add("bob", "pw-bob")
    users.add("alice", "pw-alice")
    assert users.names() == ["alice", "bob"]
    assert users.exists("alice")
    assert not users.exists("carol")


def test_verify_accepts_the_right_password_only(users: HtpasswdFile) -> None:
    users.add("alice", "s3cret")
    assert users.verify("alice", "s3cret")
    assert not users.verify("alice", "S3cret")


def test_verify_of_an_unknown_user_is_false(users: HtpasswdFile) -> None:
    users.add("alice", "s3cret")
    assert not users.verify("mallory", "s3cret")


def test_verify_of_an_overlong_password_is_false_not_an_error(users: HtpasswdFile) -> None:
    users.add("alice", "s3cret")
    assert not users.verify("alice", "x" * 100)


def test_adding_an_existing_user_fails_and_keeps_the_old_password(users: HtpasswdFile) -> None:
    users.add("alice", "first")
    with pytest.raises(UserExists, match="'alice' already exists"):
        users.add("alice", "second")
    assert users.verify("alice", "first")


def test_set_password_replaces_the_password(users: HtpasswdFile) -> None:
    users.add("alice", "old")
    users.set_password("alice", "new")
    assert users.verify("alice", "new")
    assert not users.verify("alice", "old")


def test_set_password_of_a_missing_user_fails(users: HtpasswdFile) -> None:
    with pytest.raises(UnknownUser, match="'ghost' does not exist"):
        users.set_password("ghost", "pw")


def test_remove_deletes_the_login(users: HtpasswdFile) -> None:
    users.add("alice", "pw")
    users.add("bob", "pw")
    users.remove("alice")
    assert users.names() == ["bob"]
    assert not users.verify("alice", "pw")


def test_remove_of_a_missing_user_fails(users: HtpasswdFile) -> None:
    with pytest.raises(UnknownUser):
        users.remove("ghost")


def test_bad_name_stores_nothing(users: HtpasswdFile, users_path: Path) -> None:
    with pytest.raises(InvalidUserName):
        users.add("a:b", "pw")
    assert not users_path.exists()


def test_overlong_password_stores_nothing(users: HtpasswdFile) -> None:
    users.add("alice", "pw")
    with pytest.raises(InvalidPassword):
        users.set_password("alice", "x" * 73)
    assert users.verify("alice", "pw")


def test_file_holds_apache_bcrypt_lines(users: HtpasswdFile, users_path: Path) -> None:
    users.add("alice", "pw")
    [line] = users_path.read_text().splitlines()
    name, digest = line.split(":", 1)
    assert name == "alice"
    assert digest.startswith("$2b$")


def test_file_is_readable_by_its_owner_only(users: HtpasswdFile, users_path: Path) -> None:
    users.add("alice", "pw")
    assert stat.S_IMODE(users_path.stat().st_mode) == 0o600


def test_rewrite_leaves_no_temporary_files(users: HtpasswdFile, users_path: Path) -> None:
    users.add("alice", "pw")
    users.add("bob", "pw")
    users.remove("alice")
    assert sorted(p.name for p in users_path.parent.iterdir()) == ["users", "users.lock"]


def test_comment_lines_survive_a_rewrite(users: HtpasswdFile, users_path: Path) -> None:
    users_path.parent.mkdir(parents=True)
    users_path.write_text("# managed by cms-dav\n")
    users.add("alice", "pw")
    assert users_path.read_text().splitlines()[0] == "# managed by cms-dav"


def test_change_by_another_writer_is_seen_without_restart(users_path: Path) -> None:
    server_view = HtpasswdFile(users_path)
    cli_view = HtpasswdFile(users_path)
    assert server_view.names() == []
    cli_view.add("alice", "pw")
    assert server_view.verify("alice", "pw")
    cli_view.set_password("alice", "changed")
    assert not server_view.verify("alice", "pw")


def test_stamp_changes_on_every_rewrite(users: HtpasswdFile) -> None:
    users.add("alice", "pw")
    before = users.stamp()
    users.set_password("alice", "pw2")
    assert users.stamp() != before


def test_file_written_by_stock_radicale_tools_is_read(users_path: Path) -> None:
    import bcrypt
    users_path.parent.mkdir(parents=True)
    digest = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)
    users_path.write_text(f"alice:{digest}\n\nbroken line\n")
    assert HtpasswdFile(users_path).verify("alice", "pw")


def test_non_bcrypt_hash_never_verifies(users_path: Path) -> None:
    users_path.parent.mkdir(parents=True)
    users_path.write_text("alice:plaintext\n")
    assert not HtpasswdFile(users_path).verify("alice", "plaintext")


def test_radicale_htpasswd_backend_accepts_our_file(users: HtpasswdFile, users_path: Path) -> None:
    from radicale import config
    from radicale.auth.htpasswd import Auth
    users.add("alice", "pw")
    configuration = config.load()
    configuration.update({"auth": {"type": "htpasswd", "htpasswd_filename": str(users_path),
                                   "htpasswd_encryption": "bcrypt"}}, "test")
    assert Auth(configuration)._login("alice", "pw") == "alice"


def test_missing_file_means_no_users(tmp_path: Path) -> None:
    users = HtpasswdFile(tmp_path / "nope")
    assert users.names() == []
    assert not users.verify("alice", "pw")
    assert not os.path.exists(tmp_path / "nope")

"""The users table (``[auth] users = database``): same rules as the users file, and a
change counter that a node reads at most once per ``check_seconds``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.auth.auth_fakes import FakeClock

from cms_dav.auth import UnknownUser, UserExists
from cms_dav.auth.authenticator import Authenticator
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.login_cache import LoginCache
from cms_dav.auth.throttle import LoginThrottle, ThrottlePolicy
from cms_dav.auth.users_table import UsersTable
from cms_dav.config import Settings
from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import upgrade_to_head


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade_to_head(engine)
    return engine


@pytest.fixture
def table(engine: Engine, clock: FakeClock) -> UsersTable:
    users = UsersTable(engine, rounds=4, check_seconds=1.0, clock=clock)
    users.add("alice", "right")
    return users


def other_node(engine: Engine) -> UsersTable:
    """A second process on the same database: its own cached version."""
    return UsersTable(engine, rounds=4, check_seconds=0)


def test_an_added_user_verifies_with_its_password_only(table: UsersTable) -> None:
    assert table.verify("alice", "right")
    assert not table.verify("alice", "wrong")
    assert not table.verify("nobody", "right")
    assert table.names() == ["alice"] and table.exists("alice")


def test_the_table_stores_a_bcrypt_hash_never_the_password(
        table: UsersTable, engine: Engine) -> None:
    with engine.connect() as conn:
        [digest] = conn.exec_driver_sql("SELECT password_hash FROM users").scalars()
    assert digest.startswith("$2b$04$") and "right" not in digest


def test_adding_an_existing_name_and_changing_an_unknown_one_are_refused(
        table: UsersTable) -> None:
    with pytest.raises(UserExists):
        table.add("alice", "other")
    with pytest.raises(UnknownUser):
        table.set_password("nobody", "pw")
    with pytest.raises(UnknownUser):
        table.remove("nobody")


def test_another_nodes_change_is_seen_once_check_seconds_have_passed(
        table: UsersTable, engine: Engine, clock: FakeClock) -> None:
    seen = table.stamp()
    other_node(engine).set_password("alice", "new")
    clock.advance(0.5)
    assert table.stamp() == seen  # within the bound: the counter is not read again
    clock.advance(0.6)
    assert table.stamp() != seen


def test_a_change_made_through_this_process_counts_at_once(
        table: UsersTable, clock: FakeClock) -> None:
    seen = table.stamp()
    table.remove("alice")
    assert table.stamp() != seen


def test_a_cached_login_ends_when_another_node_changes_the_password(
        table: UsersTable, engine: Engine, clock: FakeClock) -> None:
    auth = Authenticator(table, LoginCache(300, clock=clock),
                         LoginThrottle(engine, ThrottlePolicy(), clock=clock),
                         sleep=lambda _: None)
    assert auth.login("alice", "right", "10.0.0.1")
    other_node(engine).set_password("alice", "new")
    clock.advance(1.0)
    assert not auth.login("alice", "right", "10.0.0.1")
    assert auth.login("alice", "new", "10.0.0.1")


def test_a_table_never_changed_adopts_the_users_file_once(
        engine: Engine, tmp_path: Path) -> None:
    users_file = HtpasswdFile(tmp_path / "users", rounds=4)
    users_file.add("bob", "bob-pw")
    table = other_node(engine)
    assert table.adopt(users_file.entries(), users_file.where) == 1
    assert table.verify("bob", "bob-pw")
    table.remove("bob")
    assert table.adopt(users_file.entries(), users_file.where) == 0  # it has a history now
    assert table.names() == []


def test_auto_keeps_users_in_the_file_on_sqlite_and_in_the_database_on_postgresql(
        tmp_path: Path) -> None:
    sqlite = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db'}")
    postgres = sqlite.with_overrides(database_url="postgresql+psycopg://u@h/db")
    assert not sqlite.users_in_database and postgres.users_in_database
    assert sqlite.with_overrides(users="database").users_in_database
    assert not postgres.with_overrides(users="file").users_in_database

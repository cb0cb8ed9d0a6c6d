"""Web sessions are signed cookies naming a row in the database: any worker with the
data directory's secret and the database accepts them, a changed byte or another secret
does not, and they end when idle too long or too old (the clock is the test's), when
signed out, or when the user's password changes or the user is removed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cms_dav.auth import admin
from cms_dav.store.store import Store
from cms_dav.web.sessions import SECRET_FILE, TOUCH_SECONDS, Sessions, load_secret


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'sessions.sqlite3'}")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_secret_is_made_once_and_readable_by_the_owner_only(tmp_path: Path) -> None:
    first = load_secret(tmp_path)
    assert load_secret(tmp_path) == first
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600


def test_another_process_with_the_same_secret_accepts_the_session(tmp_path: Path,
                                                                 store: Store) -> None:
    one, other = (Sessions(load_secret(tmp_path), 60, 600, store) for _ in range(2))
    loaded = other.load(one.dump(one.begin("alice", "read")))
    assert loaded is not None and (loaded.user, loaded.scope) == ("alice", "read")


def test_a_tampered_cookie_or_another_secret_is_refused(store: Store) -> None:
    sessions = Sessions(b"k" * 32, 60, 600, store)
    value = sessions.dump(sessions.begin("alice", "full"))
    forged = ("x" if value[0] != "x" else "y") + value[1:]
    assert sessions.load(forged) is None
    assert Sessions(b"j" * 32, 60, 600, store).load(value) is None


def test_a_session_idle_too_long_is_over_and_use_keeps_it_alive(store: Store) -> None:
    clock = Clock()
    sessions = Sessions(b"k" * 32, idle=60, absolute=600, store=store, clock=clock)
    value = sessions.dump(sessions.begin("alice", "full"))
    clock.now += 50
    renewed = sessions.load(value)
    assert renewed is not None
    value = sessions.dump(renewed)
    clock.now += 50
    assert sessions.load(value) is not None
    clock.now += 61
    assert sessions.load(value) is None


def test_a_session_older_than_the_absolute_limit_is_over_however_used(store: Store) -> None:
    clock = Clock()
    sessions = Sessions(b"k" * 32, idle=60, absolute=100, store=store, clock=clock)
    session = sessions.begin("alice", "full")
    for _ in range(3):
        clock.now += 40
        loaded = sessions.load(sessions.dump(session))
        session = loaded if loaded is not None else session
    assert sessions.load(sessions.dump(session)) is None


def test_a_signed_out_session_is_refused_for_every_copy_of_its_cookie(store: Store) -> None:
    sessions = Sessions(b"k" * 32, 60, 600, store)
    session = sessions.begin("alice", "full")
    copy = sessions.dump(session)
    sessions.end(session)
    assert sessions.load(copy) is None


def test_idle_time_is_the_databases_not_an_old_cookies(store: Store) -> None:
    """A cookie re-signed by one worker does not keep alive a session whose row idled out:
    the row's "last used" decides."""
    clock = Clock()
    sessions = Sessions(b"k" * 32, idle=60, absolute=600, store=store, clock=clock)
    session = sessions.begin("alice", "full")
    clock.now += TOUCH_SECONDS - 1  # used, but too soon to write "last used"
    assert sessions.load(sessions.dump(session)) is not None
    clock.now += 60 - TOUCH_SECONDS + 2  # the cookie was renewed 31 s ago, the row 61
    assert sessions.load(sessions.dump(session)) is None


class Users:
    """A user directory that only records what was asked of it."""

    def __init__(self) -> None:
        self.changed: list[str] = []

    def set_password(self, name: str, password: str) -> None:
        self.changed.append(name)

    def remove(self, name: str) -> None:
        self.changed.append(name)


@pytest.mark.parametrize("change", ["password", "removal"])
def test_a_password_change_or_removal_ends_the_users_sessions_only(store: Store,
                                                                   change: str) -> None:
    sessions = Sessions(b"k" * 32, 60, 600, store)
    alice, bob = (sessions.dump(sessions.begin(user, "full")) for user in ("alice", "bob"))
    users = Users()
    if change == "password":
        admin.set_password(users, lambda: store, "admin", "alice", "new-Passw0rd!")  # type: ignore[arg-type]
    else:
        admin.remove_user(users, lambda: store, "admin", "alice")  # type: ignore[arg-type]
    assert users.changed == ["alice"]
    assert sessions.load(alice) is None
    assert sessions.load(bob) is not None

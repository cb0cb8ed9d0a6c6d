"""App passwords inside the Authenticator and the scope rules, on an in-memory database
with a clock the test moves (the HTTP behaviour is in test_app_password_http.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import StaticPool

from cms_dav.acl.scope import cut_letters, scope_allows
from cms_dav.auth import Login
from cms_dav.auth.app_passwords import AppPasswords, TokenError
from cms_dav.auth.authenticator import Authenticator
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.login_cache import LoginCache
from cms_dav.auth.throttle import LoginThrottle, ThrottlePolicy
from cms_dav.store.schema import metadata
from tests.auth.auth_fakes import FakeClock, RecordingSleep


@pytest.fixture
def engine() -> Engine:
    made = create_engine("sqlite://", poolclass=StaticPool,
                         connect_args={"check_same_thread": False})
    metadata.create_all(made)
    return made


@pytest.fixture
def tokens(engine: Engine, clock: FakeClock) -> AppPasswords:
    return AppPasswords(engine, clock)


@pytest.fixture
def auth(users_path: Path, engine: Engine, tokens: AppPasswords, clock: FakeClock,
         sleep: RecordingSleep) -> Authenticator:
    users = HtpasswdFile(users_path)
    users.add("alice", "right")
    throttle = LoginThrottle(engine, ThrottlePolicy(lockout_threshold=2, lockout_seconds=60),
                             clock=clock)
    return Authenticator(users, LoginCache(300, clock=clock), throttle, sleep=sleep,
                         app_passwords=tokens)


def last_used(tokens: AppPasswords, name: str) -> float | None:
    return next(info.last_used for info in tokens.of_user("alice") if info.name == name)


def test_the_password_logs_in_with_scope_full(auth: Authenticator) -> None:
    assert auth.login("alice", "right", "10.0.0.1") == Login("alice", "full")


def test_an_app_password_logs_in_with_its_scope(auth: Authenticator,
                                               tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "phone", "read")
    assert auth.login("alice", token, "10.0.0.1") == Login("alice", "read")


def test_a_token_login_is_not_cached(auth: Authenticator, tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "phone")
    auth.login("alice", token, "10.0.0.1")
    assert len(auth.cache) == 0


def test_an_app_password_dies_with_its_user(auth: Authenticator,
                                            tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "phone")
    auth.users.remove("alice")
    assert auth.login("alice", token, "10.0.0.1") is None


def test_an_app_password_expires_at_its_expiry(auth: Authenticator, tokens: AppPasswords,
                                               clock: FakeClock) -> None:
    token = tokens.create("test", "alice", "phone", expires_at=clock.now + 10)
    clock.advance(10)
    assert auth.login("alice", token, "10.0.0.1") is None


def test_a_wrong_token_counts_as_a_failed_login(auth: Authenticator,
                                                tokens: AppPasswords) -> None:
    token = tokens.create("test", "alice", "phone")
    for _ in range(2):
        auth.login("alice", token[:-1] + ("A" if token[-1] != "A" else "B"), "10.0.0.9")
    assert auth.throttle.failures("pair", "alice", "10.0.0.9") == 2
    assert auth.login("alice", "right", "10.0.0.9") is None  # locked out from there


def test_last_used_is_written_at_most_once_a_minute(auth: Authenticator,
                                                     tokens: AppPasswords,
                                                     clock: FakeClock) -> None:
    token = tokens.create("test", "alice", "phone")
    auth.login("alice", token, None)
    first = last_used(tokens, "phone")
    clock.advance(59)
    auth.login("alice", token, None)
    assert last_used(tokens, "phone") == first
    clock.advance(1)
    auth.login("alice", token, None)
    assert last_used(tokens, "phone") == first + 60


def test_an_expiry_in_the_past_is_refused(tokens: AppPasswords, clock: FakeClock) -> None:
    with pytest.raises(TokenError, match="in the future"):
        tokens.create("test", "alice", "phone", expires_at=clock.now)


def test_a_token_cannot_have_scope_full(tokens: AppPasswords) -> None:
    with pytest.raises(TokenError, match="scope"):
        tokens.create("test", "alice", "phone", "full")


@pytest.mark.parametrize("scope, allowed", [
    ("read", {"read"}), ("write", {"read", "write"}),
    ("admin", {"read", "write", "share", "admin"}),
    ("full", {"read", "write", "share", "admin"}), ("", set())])
def test_each_scope_allows_its_actions(scope: str, allowed: set[str]) -> None:
    assert {action for action in ("read", "write", "share", "admin")
            if scope_allows(scope, action)} == allowed


@pytest.mark.parametrize("scope, letters", [
    ("read", "Rr"), ("write", "RWrw"), ("admin", "MRWrw"), ("full", "MRWrw")])
def test_a_scope_cuts_the_owners_letters(scope: str, letters: str) -> None:
    assert "".join(sorted(cut_letters(scope, "RWrwM"))) == letters

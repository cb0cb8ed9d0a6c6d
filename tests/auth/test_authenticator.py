"""Authenticator: lockout before bcrypt, cache before bcrypt, throttle after failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.auth.auth_fakes import FakeClock, RecordingSleep

from cms_dav.auth.authenticator import Authenticator, shared_authenticator
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.login_cache import LoginCache
from cms_dav.auth.throttle import LoginThrottle
from cms_dav.config import Settings


class CountingUsers(HtpasswdFile):
    """Users file that counts bcrypt verifications."""

    verifications = 0

    def verify(self, name: str, password: str) -> bool:
        self.verifications += 1
        return super().verify(name, password)


@pytest.fixture
def counting_users(users_path: Path) -> CountingUsers:
    users = CountingUsers(users_path)
    users.add("alice", "right")
    return users


@pytest.fixture
def auth(counting_users: CountingUsers, clock: FakeClock, sleep: RecordingSleep) -> Authenticator:
    return Authenticator(counting_users, LoginCache(300, clock=clock),
                         LoginThrottle(3, 60, clock=clock), sleep=sleep)


def test_right_password_logs_in(auth: Authenticator) -> None:
    assert auth.login("alice", "right", "10.0.0.1")


def test_wrong_password_fails_after_the_throttle_delay(
        auth: Authenticator, sleep: RecordingSleep) -> None:
    assert not auth.login("alice", "wrong", "10.0.0.1")
    assert not auth.login("alice", "wrong", "10.0.0.1")
    assert sleep.delays == [0.25, 0.5]


def test_repeated_login_runs_bcrypt_once(auth: Authenticator, counting_users: CountingUsers) -> None:
    for _ in range(5):
        assert auth.login("alice", "right", "10.0.0.1")
    assert counting_users.verifications == 1


def test_cached_login_expires(auth: Authenticator, counting_users: CountingUsers,
                              clock: FakeClock) -> None:
    auth.login("alice", "right", "10.0.0.1")
    clock.advance(301)
    auth.login("alice", "right", "10.0.0.1")
    assert counting_users.verifications == 2


def test_password_change_ends_the_cached_login_at_once(
        auth: Authenticator, users_path: Path) -> None:
    assert auth.login("alice", "right", "10.0.0.1")
    HtpasswdFile(users_path).set_password("alice", "new")
    assert not auth.login("alice", "right", "10.0.0.1")
    assert auth.login("alice", "new", "10.0.0.1")


def test_removed_user_cannot_log_in_with_a_cached_login(
        auth: Authenticator, users_path: Path) -> None:
    auth.login("alice", "right", "10.0.0.1")
    HtpasswdFile(users_path).remove("alice")
    assert not auth.login("alice", "right", "10.0.0.1")


def test_locked_out_user_is_refused_without_checking_the_password(
        auth: Authenticator, counting_users: CountingUsers) -> None:
    for _ in range(3):
        auth.login("alice", "wrong", "10.0.0.66")
    checked = counting_users.verifications
    assert not auth.login("alice", "right", "10.0.0.1")
    assert counting_users.verifications == checked


def test_lockout_refusal_does_not_sleep(auth: Authenticator, sleep: RecordingSleep) -> None:
    for _ in range(3):
        auth.login("alice", "wrong", "10.0.0.66")
    sleep.delays.clear()
    auth.login("alice", "wrong", "10.0.0.66")
    assert sleep.delays == []


def test_locked_out_user_can_log_in_after_the_lockout(
        auth: Authenticator, clock: FakeClock) -> None:
    for _ in range(3):
        auth.login("alice", "wrong", "10.0.0.66")
    clock.advance(60)
    assert auth.login("alice", "right", "10.0.0.1")


def test_refusal_during_lockout_is_logged_with_user_and_address(
        auth: Authenticator, caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(3):
        auth.login("alice", "wrong", "10.0.0.66")
    caplog.clear()
    auth.login("alice", "right", "10.0.0.5")
    [message] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "'alice'" in message and "10.0.0.5" in message and "locked out" in message


def test_successful_login_resets_the_failure_count(
        auth: Authenticator, sleep: RecordingSleep) -> None:
    auth.login("alice", "wrong", "10.0.0.1")
    auth.login("alice", "wrong", "10.0.0.1")
    assert auth.login("alice", "right", "10.0.0.2")
    sleep.delays.clear()
    auth.login("alice", "wrong", "10.0.0.3")
    assert sleep.delays == [0.25]


def test_shared_authenticator_is_one_per_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, htpasswd_file=tmp_path / "users")
    assert shared_authenticator(settings) is shared_authenticator(settings)
    other = settings.with_overrides(htpasswd_file=tmp_path / "other")
    assert shared_authenticator(other) is not shared_authenticator(settings)


def test_from_settings_uses_the_configured_limits(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, htpasswd_file=tmp_path / "users",
                        login_cache_seconds=7, lockout_threshold=4, lockout_seconds=9)
    auth = Authenticator.from_settings(settings)
    assert (auth.users.path, auth.cache.ttl_seconds) == (tmp_path / "users", 7)
    assert (auth.throttle.threshold, auth.throttle.lockout_seconds) == (4, 9)

"""Authenticator: lockout before bcrypt, cache before bcrypt, throttle after failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.auth.auth_fakes import FakeClock, RecordingSleep

from cms_dav.auth.authenticator import Authenticator
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.login_cache import LoginCache
from cms_dav.auth.throttle import LoginThrottle, ThrottlePolicy, memory_engine
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
                         LoginThrottle(memory_engine(), ThrottlePolicy(
                             lockout_threshold=3, account_lockout_threshold=5,
                             lockout_seconds=60, first_delay=0.25, max_delay=2.0),
                             clock=clock), sleep=sleep)


def test_right_password_logs_in(auth: Authenticator) -> None:
    assert auth.login("alice", "right", "10.0.0.1")


def test_each_attempt_after_a_failure_waits_before_the_password_is_checked(
        auth: Authenticator, sleep: RecordingSleep) -> None:
    for _ in range(3):
        assert not auth.login("alice", "wrong", "10.0.0.1")
    assert sleep.delays == [0.25, 0.5]


def test_a_callers_pause_holds_the_verdict_back_instead_of_the_sleep(
        auth: Authenticator, sleep: RecordingSleep) -> None:
    deferred = RecordingSleep()  # e.g. an HTTP door deferring its answer
    for _ in range(3):
        assert not auth.login("alice", "wrong", "10.0.0.1", pause=deferred)
    assert deferred.delays == [0.25, 0.5]
    assert sleep.delays == []


def test_repeated_login_runs_bcrypt_once(auth: Authenticator,
                                         counting_users: CountingUsers) -> None:
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
    assert not auth.login("alice", "right", "10.0.0.66")
    assert counting_users.verifications == checked


def test_refusal_during_a_lockout_waits_like_a_failure(
        auth: Authenticator, sleep: RecordingSleep) -> None:
    for _ in range(3):
        auth.login("alice", "wrong", "10.0.0.66")
    sleep.delays.clear()
    auth.login("alice", "wrong", "10.0.0.66")
    assert sleep.delays == [1.0]


def test_a_known_device_logs_in_through_a_pair_and_an_account_lockout(
        auth: Authenticator, counting_users: CountingUsers) -> None:
    assert auth.login("alice", "right", "10.0.0.66")
    for index in range(5):
        auth.login("alice", "wrong", f"10.0.1.{index % 2}")
    assert auth.throttle.check("alice", "10.0.9.9").locked_by == "account"
    assert auth.throttle.check("alice", "10.0.1.0").locked_for > 0
    checked = counting_users.verifications
    assert auth.login("alice", "right", "10.0.1.0")
    assert counting_users.verifications == checked


class AppPasswords:
    """Stands in for the per-device app passwords of a later issue."""

    def is_known(self, user: str, password: str) -> bool:
        return (user, password) == ("alice", "app-password-of-the-phone")


def test_a_known_device_check_plugged_into_the_seam_bypasses_the_lockout(
        counting_users: CountingUsers, clock: FakeClock, sleep: RecordingSleep) -> None:
    auth = Authenticator(counting_users, LoginCache(300, clock=clock), LoginThrottle(
        memory_engine(), ThrottlePolicy(lockout_threshold=2), clock=clock), sleep=sleep,
        known_devices=[AppPasswords()])
    for _ in range(2):
        auth.login("alice", "wrong", "10.0.0.1")
    assert not auth.login("alice", "right", "10.0.0.1")
    assert auth.login("alice", "app-password-of-the-phone", "10.0.0.1")


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
    auth.login("alice", "right", "10.0.0.66")
    [message] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "'alice'" in message and "10.0.0.66" in message and "locked out" in message


def test_successful_login_resets_the_users_failure_count(
        auth: Authenticator, sleep: RecordingSleep) -> None:
    auth.login("alice", "wrong", "10.0.0.1")
    auth.login("alice", "wrong", "10.0.0.1")
    assert auth.login("alice", "right", "10.0.0.1")
    assert auth.throttle.failures_of_user("alice") == 0
    assert auth.throttle.failures("pair", "alice", "10.0.0.1") == 0


def test_from_settings_uses_the_configured_limits(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, htpasswd_file=tmp_path / "users",
                        login_cache_seconds=7, lockout_threshold=4, lockout_seconds=9,
                        account_lockout_threshold=11, max_delay_seconds=1.5)
    auth = Authenticator.from_settings(settings, memory_engine())
    assert (auth.users.path, auth.cache.ttl_seconds) == (tmp_path / "users", 7)
    policy = auth.throttle.policy
    assert (policy.lockout_threshold, policy.lockout_seconds) == (4, 9)
    assert (policy.account_lockout_threshold, policy.max_delay) == (11, 1.5)

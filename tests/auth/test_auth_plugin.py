"""The Radicale auth plugin: the login it reports to Radicale, and how it is built."""

from __future__ import annotations

from pathlib import Path

import pytest
from radicale import auth as radicale_auth
from radicale import config
from radicale.auth import AuthContext

from cms_dav.auth.authenticator import Authenticator
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.login_cache import LoginCache
from cms_dav.auth.throttle import LoginThrottle, ThrottlePolicy, memory_engine
from cms_dav.request_context import RequestContext, made_current
from cms_dav_plugins.auth import Auth


def radicale_config(auth_type: object = "cms_dav_plugins.auth") -> config.Configuration:
    configuration = config.load()
    configuration.update({"auth": {"type": auth_type, "delay": "0"}}, "test",
                         privileged=True)
    return configuration


def context(address: str) -> AuthContext:
    ctx = AuthContext()
    ctx.remote_addr = address
    return ctx


@pytest.fixture
def authenticator(users_path: Path) -> Authenticator:
    HtpasswdFile(users_path).add("alice", "pw")
    return Authenticator(HtpasswdFile(users_path), LoginCache(300),
                         LoginThrottle(memory_engine(), ThrottlePolicy(lockout_threshold=2)),
                         sleep=lambda seconds: None)


@pytest.fixture
def plugin(authenticator: Authenticator) -> Auth:
    return Auth(radicale_config(), authenticator)


def test_valid_credentials_log_in_as_that_user(plugin: Auth) -> None:
    user, _, _ = plugin.login("alice", "pw", context("10.0.0.1"))
    assert user == "alice"


def test_wrong_password_is_refused(plugin: Auth) -> None:
    user, _, _ = plugin.login("alice", "nope", context("10.0.0.1"))
    assert user == ""


def test_inside_a_request_a_failure_defers_the_answer_instead_of_sleeping(
        plugin: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(plugin._authenticator, "_sleep", slept.append)
    plugin._authenticator.throttle.record_failure("alice", "10.0.0.2")  # the next one waits
    with made_current(RequestContext()) as request:
        user, _, _ = plugin.login("alice", "nope", context("10.0.0.2"))
    assert user == ""
    assert request.response_delay > 0  # cms_dav.wsgi.response_delay waits it out
    assert slept == []


def test_outside_a_request_a_failure_sleeps_its_delay(
        plugin: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(plugin._authenticator, "_sleep", slept.append)
    plugin._authenticator.throttle.record_failure("alice", "10.0.0.3")
    plugin.login("alice", "nope", context("10.0.0.3"))
    assert len(slept) == 1 and slept[0] > 0


def test_failures_are_counted_per_socket_address(
        plugin: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugin._authenticator, "_sleep", lambda seconds: None)
    ctx = context("10.0.0.9")
    ctx.x_remote_addr = "1.2.3.4"  # client-supplied header: must not be trusted
    plugin.login("mallory", "x", ctx)
    throttle = plugin._authenticator.throttle
    assert throttle.failures_of_address("10.0.0.9") == 1
    assert throttle.failures_of_address("1.2.3.4") == 0


def test_radicale_builds_the_plugin_around_the_given_authenticator(
        authenticator: Authenticator) -> None:
    """A callable ``[auth] type`` is Radicale's public way to hand a plugin its services."""
    built = radicale_auth.load(radicale_config(lambda configuration: Auth(configuration,
                                                                          authenticator)))
    assert isinstance(built, Auth) and built._authenticator is authenticator


def test_naming_the_module_in_a_plain_radicale_config_is_refused_with_the_reason() -> None:
    with pytest.raises(RuntimeError, match="cms_dav_plugins.auth is built by cms_dav's App"):
        radicale_auth.load(radicale_config("cms_dav_plugins.auth"))

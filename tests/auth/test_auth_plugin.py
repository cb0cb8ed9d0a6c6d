"""The Radicale auth plugin: settings lookup and the login it reports to Radicale."""

from __future__ import annotations

from pathlib import Path

import pytest
from radicale import config
from radicale.auth import AuthContext

from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.radicale_settings import settings_from_radicale
from cms_dav.config import ConfigError
from cms_dav.request_context import RequestContext, made_current
from cms_dav_plugins.auth import Auth


def radicale_config(**auth: str) -> config.Configuration:
    configuration = config.load()
    configuration.update({"auth": {"type": "cms_dav_plugins.auth", "delay": "0", **auth}},
                         "test", privileged=True)
    return configuration


def context(address: str) -> AuthContext:
    ctx = AuthContext()
    ctx.remote_addr = address
    return ctx


@pytest.fixture
def plugin(users_path: Path) -> Auth:
    HtpasswdFile(users_path).add("alice", "pw")
    return Auth(radicale_config(htpasswd_filename=str(users_path),
                                cms_dav_lockout_threshold="2"))


def test_valid_credentials_log_in_as_that_user(plugin: Auth) -> None:
    user, _, _ = plugin.login("alice", "pw", context("10.0.0.1"))
    assert user == "alice"


def test_wrong_password_is_refused(plugin: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugin._authenticator, "_sleep", lambda seconds: None)
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


def test_plain_radicale_config_keys_set_the_limits(tmp_path: Path) -> None:
    settings = settings_from_radicale(radicale_config(
        htpasswd_filename=str(tmp_path / "users"), cms_dav_login_cache_seconds="5",
        cms_dav_lockout_threshold="3", cms_dav_lockout_seconds="7"))
    assert settings.htpasswd_file == tmp_path / "users"
    assert (settings.login_cache_seconds, settings.lockout_threshold,
            settings.lockout_seconds) == (5, 3, 7)


def test_bad_number_in_plain_radicale_config_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cms_dav_lockout_threshold"):
        settings_from_radicale(radicale_config(htpasswd_filename=str(tmp_path / "u"),
                                               cms_dav_lockout_threshold="ten"))


def test_cms_dav_server_keys_give_the_data_dirs_users_file(tmp_path: Path) -> None:
    configuration = config.load()
    configuration.update({"storage": {"type": "cms_dav_plugins.storage",
                                      "cms_dav_data_dir": str(tmp_path),
                                      "cms_dav_config": ""}}, "test", privileged=True)
    assert settings_from_radicale(configuration).htpasswd_file == tmp_path / "users"

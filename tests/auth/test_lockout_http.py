"""Issue 10, item 2 against the real server: an attacker cannot lock out other users or
a known device, delays grow and stop at the cap, lockouts are per (user, network) and
per account, the CLI shows and lifts them, and two processes share them.

Each test uses its own users and loopback source addresses (127.0.0.x)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.cli import cli as cli_group
from tests.support.server import ServerProcess, configured_server
from tests.support.sourced import propfind

PAIR, ACCOUNT = 3, 6
CONFIG = (f"[auth]\nlockout_threshold = {PAIR}\naccount_lockout_threshold = {ACCOUNT}\n"
          "lockout_seconds = 600\nfirst_delay_seconds = 0.05\nmax_delay_seconds = 0.2\n")
USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "jack")


def start(data_dir: Path, config_text: str = CONFIG, users: tuple[str, ...] = USERS
          ) -> ServerProcess:
    return configured_server(data_dir, config_text, {name: f"{name}-pw" for name in users})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start(tmp_path_factory.mktemp("lockout-http"))
    yield process
    process.stop()


def status(server: ServerProcess, user: str, password: str, source: str) -> int:
    """PROPFIND Depth 0 of the user's home, sent from loopback address ``source``."""
    return propfind(server, user, password, source=source)


def hammer(server: ServerProcess, user: str, source: str, times: int) -> None:
    for attempt in range(times):
        assert status(server, user, f"guess-{attempt}", source) == 401


def cli(server: ServerProcess, *args: str) -> str:
    """``cms-dav ARGS`` in this process (a subprocess costs seconds on a busy machine;
    the unlock test below also runs the installed command once)."""
    result = CliRunner().invoke(cli_group, ["--data-dir", str(server.data_dir), "--config",
                                            str(server.config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def show(server: ServerProcess, user: str) -> dict[str, object]:
    return json.loads(cli(server, "user", "show", user, "--json"))  # type: ignore[no-any-return]


def test_attacker_hammering_alice_behind_a_shared_address_locks_neither_bob_nor_alices_device(
        server: ServerProcess) -> None:
    nat = "127.0.0.21"
    assert status(server, "alice", "alice-pw", nat) == 207  # alice's phone, before the attack
    hammer(server, "alice", nat, ACCOUNT + 4)
    state = show(server, "alice")
    assert state["networks"][0]["locked_seconds"]  # type: ignore[index]
    # refusals during a lockout are not counted: one network cannot lock the account
    assert not state["account_locked_seconds"]
    assert status(server, "bob", "bob-pw", nat) == 207
    assert status(server, "alice", "alice-pw", nat) == 207  # the known device still syncs


def test_a_pair_lockout_refuses_the_right_password_from_that_network_only(
        server: ServerProcess) -> None:
    hammer(server, "carol", "127.0.0.22", PAIR)
    assert status(server, "carol", "carol-pw", "127.0.0.22") == 401
    assert status(server, "carol", "carol-pw", "127.0.0.23") == 207
    assert "refused login of 'carol' from 127.0.0.22" in server.log()


def test_failures_from_many_networks_lock_the_account_for_a_new_device(
        server: ServerProcess) -> None:
    for index in range(ACCOUNT):
        assert status(server, "dave", "wrong", f"127.0.1.{index + 1}") == 401
    assert status(server, "dave", "dave-pw", "127.0.1.99") == 401
    assert show(server, "dave")["account_locked_seconds"] > 500  # type: ignore[operator]


def test_a_known_device_keeps_syncing_through_an_account_lockout(
        server: ServerProcess) -> None:
    assert status(server, "jack", "jack-pw", "127.0.1.50") == 207
    for index in range(ACCOUNT):
        assert status(server, "jack", "wrong", f"127.0.1.{60 + index}") == 401
    assert show(server, "jack")["account_locked_seconds"]
    assert status(server, "jack", "jack-pw", "127.0.1.50") == 207


def test_delays_grow_with_failures_and_stop_at_the_cap(server: ServerProcess) -> None:
    source = "127.0.0.24"
    for name in ("n1", "n2", "n3"):  # other names: the network is slowed, never locked
        status(server, name, "x", source)
    began = time.monotonic()
    status(server, "erin", "wrong", source)
    slowed = time.monotonic() - began
    assert slowed >= 0.2  # 0.05 * 2**2, reached the cap
    for index in range(4, 12):
        status(server, f"n{index}", "x", source)
    began = time.monotonic()
    assert status(server, "erin", "erin-pw", source) == 207
    assert time.monotonic() - began < 5  # uncapped it would be 0.05 * 2**11 = 102 s


def test_unlock_through_the_cli_takes_effect_on_the_next_request(
        server: ServerProcess) -> None:
    hammer(server, "frank", "127.0.0.25", PAIR)
    assert status(server, "frank", "frank-pw", "127.0.0.25") == 401
    done = server.cli("user", "unlock", "frank", check=True)
    assert "unlocked frank" in done.stdout
    assert status(server, "frank", "frank-pw", "127.0.0.25") == 207


def test_unlock_is_recorded_in_the_audit_trail(server: ServerProcess) -> None:
    hammer(server, "gina", "127.0.0.26", PAIR)
    cli(server, "user", "unlock", "gina", "--address", "127.0.0.26")
    from cms_dav.config import load_settings
    from cms_dav.store.audit import recent
    from cms_dav.store.store import Store
    settings = load_settings(server.data_dir, server.config)
    with Store.open(settings.database_url).reading() as conn:
        [row] = [r for r in recent(conn) if r["action"] == "user.unlock"
                 and r["target"] == "gina"]
    assert row["actor"] == "local-admin"
    assert row["detail"]["address"] == "127.0.0.26" and row["detail"]["cleared"] == 1


def test_user_show_gives_groups_collections_lockout_and_failures_per_address(
        server: ServerProcess) -> None:
    assert status(server, "hank", "hank-pw", "127.0.0.27") == 207  # seeds the home
    hammer(server, "hank", "127.0.0.28", PAIR)
    hammer(server, "hank", "127.0.0.29", 1)
    text = cli(server, "user", "show", "hank")
    assert "collections: 2" in text  # contacts, calendar
    assert "failed logins from 127.0.0.28: 3" in text and "LOCKED for" in text
    assert "failed logins from 127.0.0.29: 1" in text
    assert "account:     not locked (4 recent failed logins)" in text


def test_no_password_or_credential_token_reaches_the_server_log(tmp_path: Path) -> None:
    server = start(tmp_path, CONFIG + "[logging]\nlevel = debug\n", ("alice",))
    try:
        tried = ["wrong-Secret-1", "alice-pw", "wrong-Secret-2", "alice-pw"]
        for password in tried:
            status(server, "alice", password, "127.0.0.30")
        status(server, "alice", "wrong-Secret-3", "127.0.0.31")
        log = server.log()
    finally:
        server.stop()
    assert "failed login of 'alice' from 127.0.0.30" in log
    for password in set(tried) | {"wrong-Secret-3"}:
        assert password not in log
        assert base64.b64encode(f"alice:{password}".encode()).decode() not in log
    assert "$2b$" not in log


def test_a_failure_takes_about_as_long_for_an_unknown_user(tmp_path: Path) -> None:
    config = "[auth]\nfirst_delay_seconds = 0\naccount_lockout_threshold = 0\n"
    data_dir = tmp_path
    (data_dir / "users").parent.mkdir(parents=True, exist_ok=True)
    HtpasswdFile(data_dir / "users", rounds=11).add("alice", "alice-pw")
    server = start(data_dir, config, ())
    try:
        status(server, "alice", "warm-up", "127.0.2.1")
        known, unknown = [], []
        for index in range(5):
            for name, times in (("alice", known), ("ghost", unknown)):
                began = time.monotonic()
                assert status(server, name, "wrong", f"127.0.2.{10 + index}") == 401
                times.append(time.monotonic() - began)
    finally:
        server.stop()
    fast, slow = sorted([sorted(known)[2], sorted(unknown)[2]])
    assert slow < 3 * fast  # without the dummy bcrypt check, an unknown name is ~50x faster


def test_two_server_processes_on_one_database_see_the_same_lockout(
        server: ServerProcess) -> None:
    second = ServerProcess(data_dir=server.data_dir, config=server.config).start()
    try:
        hammer(server, "ivan", "127.0.0.32", PAIR)
        assert status(second, "ivan", "ivan-pw", "127.0.0.32") == 401
        assert "refused login of 'ivan' from 127.0.0.32" in second.log()
        cli(server, "user", "unlock", "ivan")
        assert status(second, "ivan", "ivan-pw", "127.0.0.32") == 207
    finally:
        second.stop()

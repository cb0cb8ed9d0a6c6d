"""Issue 17 item 3 against the real server: behind a simulated reverse proxy (the peer
127.0.0.2, listed in ``[server] trusted_proxies``) each client is throttled on its own
address; without trusted proxies a forwarding peer never gets a user locked out, and a
forwarding header from a peer that is not trusted is ignored."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from tests.operations.support import request_line, start
from tests.support.server import ServerProcess
from tests.support.sourced import propfind, send

PAIR, ACCOUNT = 3, 6
THROTTLE = (f"[auth]\nlockout_threshold = {PAIR}\naccount_lockout_threshold = {ACCOUNT}\n"
            "lockout_seconds = 600\nfirst_delay_seconds = 0.01\nmax_delay_seconds = 0.05\n")
PROXY = "127.0.0.2"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start(tmp_path_factory.mktemp("proxied"),
                   THROTTLE + f"[server]\ntrusted_proxies = {PROXY}\n")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def unconfigured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start(tmp_path_factory.mktemp("unconfigured"), THROTTLE)
    yield server
    server.stop()


def test_behind_a_trusted_proxy_an_attackers_lockout_does_not_lock_out_another_client(
        proxied: ServerProcess) -> None:
    attacker, user = "203.0.113.66", "198.51.100.20"
    for attempt in range(PAIR):
        assert propfind(proxied, "carol", f"guess-{attempt}", source=PROXY,
                        forwarded_for=attacker) == 401
    # the attacker's client address is locked out, even with the right password ...
    assert propfind(proxied, "carol", "carol-pw", source=PROXY, forwarded_for=attacker) == 401
    # ... but carol, through the same proxy from her own address, gets in
    assert propfind(proxied, "carol", "carol-pw", source=PROXY, forwarded_for=user) == 207
    assert f"refused login of 'carol' from {attacker}" in proxied.log()


def test_a_device_with_a_valid_session_keeps_syncing_while_the_account_is_locked(
        proxied: ServerProcess) -> None:
    phone = "198.51.100.30"
    assert propfind(proxied, "dave", "dave-pw", source=PROXY, forwarded_for=phone) == 207
    for index in range(ACCOUNT):  # distributed guessing through the proxy
        assert propfind(proxied, "dave", "wrong", source=PROXY,
                        forwarded_for=f"203.0.113.{100 + index}") == 401
    assert "locking out account 'dave'" in proxied.log()
    assert propfind(proxied, "dave", "dave-pw", source=PROXY, forwarded_for=phone) == 207


def test_the_request_log_names_the_forwarded_client(proxied: ServerProcess) -> None:
    answer = send(proxied, "PROPFIND", "/alice/", source=PROXY, user="alice",
                  password="alice-pw", headers={"Depth": "0", "X-Request-ID": "via-proxy-1",
                                                "X-Forwarded-For": "198.51.100.40"})
    assert answer.status == 207
    line = request_line(proxied, "via-proxy-1")
    assert (line["address"], line["user"]) == ("198.51.100.40", "alice")


def test_a_forwarding_header_from_a_peer_that_is_not_trusted_is_ignored(
        proxied: ServerProcess) -> None:
    answer = send(proxied, "PROPFIND", "/alice/", source="127.0.0.9", user="alice",
                  password="alice-pw", headers={"Depth": "0", "X-Request-ID": "direct-1",
                                                "X-Forwarded-For": "198.51.100.41"})
    assert answer.status == 207
    assert request_line(proxied, "direct-1")["address"] == "127.0.0.9"


def test_without_trusted_proxies_a_forwarding_peer_never_gets_a_user_locked_out(
        unconfigured: ServerProcess) -> None:
    proxy = "127.0.0.3"
    for attempt in range(PAIR + 2):
        assert propfind(unconfigured, "bob", f"guess-{attempt}", source=proxy,
                        forwarded_for=f"203.0.113.{attempt + 1}") == 401
    # every client behind that proxy shares its address: bob is not locked out of it
    assert propfind(unconfigured, "bob", "bob-pw", source=proxy,
                    forwarded_for="198.51.100.50") == 207
    warnings = [line for line in unconfigured.log().splitlines()
                if f"{proxy} sends X-Forwarded-For/Forwarded but is not in "
                   "[server] trusted_proxies" in line]
    assert len(warnings) == 1, unconfigured.log()


def test_without_a_forwarding_header_a_pair_still_locks_out(
        unconfigured: ServerProcess) -> None:
    for attempt in range(PAIR):
        assert propfind(unconfigured, "erin", f"guess-{attempt}", source="127.0.0.4") == 401
    assert propfind(unconfigured, "erin", "erin-pw", source="127.0.0.4") == 401


def test_the_audit_trail_records_the_forwarded_client(proxied: ServerProcess) -> None:
    card = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:proxied-1\r\nFN:Via Proxy\r\n"
            b"N:Proxy;Via;;;\r\nEND:VCARD\r\n")
    answer = send(proxied, "PUT", "/alice/contacts/proxied-1.vcf", source=PROXY,
                  user="alice", password="alice-pw", body=card,
                  headers={"Content-Type": "text/vcard", "X-Forwarded-For": "198.51.100.77"})
    assert answer.status in (201, 204)
    entries = json.loads(proxied.cli("audit", "--user", "alice", "--json", check=True).stdout)
    assert [entry["address"] for entry in entries
            if entry.get("href", "").endswith("proxied-1.vcf")] == ["198.51.100.77"]

"""A server killed with SIGKILL after a change committed and before its webhook went out
delivers the event after restart, exactly once by event id (issue 15 item 4).

Two crashes: before any attempt (the first server records but does not deliver,
``[outbox] dispatch = false``), and in the middle of an attempt (the receiver holds the
request; the claim's lease, 1 s here, frees the delivery for the restarted server)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support.dav import make_addressbook, put_card, vcard
from tests.support.server import ServerProcess
from tests.webhooks.receiver import Receiver

#: minutes of work: handed to an xdist worker before the quick files (tests/conftest.py)
pytestmark = pytest.mark.slow

CONFIG = """\
[outbox]
dispatch = {dispatch}
poll_interval = 0.05
lease = 1
[webhooks]
allow_insecure_endpoints = true
"""


def started(tmp_path: Path, dispatch: str) -> tuple[ServerProcess, Path]:
    config = tmp_path / "cms-dav.conf"
    config.write_text(CONFIG.format(dispatch=dispatch), encoding="utf-8")
    HtpasswdFile(tmp_path / "users", rounds=4).add("alice", "alice-pw")
    return ServerProcess(data_dir=tmp_path, config=config).start(), config


def write_card(server: ServerProcess, receiver: Receiver) -> str:
    """Register an endpoint, create a card; the endpoint's secret."""
    alice = server.session("alice", "alice-pw")
    make_addressbook(alice, f"{server.url}/alice/book/")
    secret = server.cli("webhook", "add", receiver.url, "--events", "contact.created",
                        check=True).stdout.split()[-1]
    assert put_card(alice, f"{server.url}/alice/book/k.vcf",
                    vcard("k-1", "Kim Lo")).status_code == 201
    return secret


def test_an_event_committed_before_a_crash_is_delivered_once_after_restart(
        tmp_path: Path) -> None:
    receiver = Receiver().start()
    server, config = started(tmp_path, "false")
    try:
        secret = write_card(server, receiver)
        server.kill()
        assert receiver.got == []
        config.write_text(CONFIG.format(dispatch="true"), encoding="utf-8")
        server.start()
        got = receiver.wait_for(lambda got: len(got) >= 1)
        log = json.loads(server.cli("webhook", "log", "--json", check=True).stdout)
    finally:
        server.stop()
        receiver.stop()
    assert [event["type"] for event in receiver.events()] == ["contact.created"]
    assert receiver.got[0].signed_by(secret) and got[0]["contact"]["uid"] == "k-1"
    assert [(each["event_id"], each["result"]) for each in log] == [
        (got[0]["id"], "delivered")]


def test_an_attempt_cut_by_a_crash_is_made_again_after_restart(tmp_path: Path) -> None:
    receiver = Receiver(hold=threading.Event()).start()
    server, _ = started(tmp_path, "true")
    try:
        secret = write_card(server, receiver)
        receiver.wait_for(lambda got: len(got) == 1)  # held: the attempt is in flight
        server.kill()
        assert receiver.hold is not None
        receiver.hold.set()
        server.start()
        got = receiver.wait_for(lambda got: len(got) == 2)
        log = json.loads(server.cli("webhook", "log", "--json", check=True).stdout)
    finally:
        server.stop()
        receiver.stop()
    assert [event["id"] for event in got] == [got[0]["id"]] * 2  # one event, sent again
    assert all(each.signed_by(secret) for each in receiver.got)
    assert [(each["event_id"], each["result"]) for each in log] == [
        (got[0]["id"], "delivered")]

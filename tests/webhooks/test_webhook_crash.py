"""A server killed with SIGKILL after a change committed and before its webhook went out
delivers the event after restart, exactly once by event id (issue 15 item 4).

The first server records but does not deliver (``[outbox] dispatch = false``), which
pins the crash between commit and delivery; the restarted one delivers."""

from __future__ import annotations

import json
from pathlib import Path

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.support.dav import make_addressbook, put_card, vcard
from tests.support.server import ServerProcess
from tests.webhooks.receiver import Receiver

CONFIG = """\
[outbox]
dispatch = {dispatch}
poll_interval = 0.05
[webhooks]
allow_insecure_endpoints = true
"""


def test_an_event_committed_before_a_crash_is_delivered_once_after_restart(
        tmp_path: Path) -> None:
    config = tmp_path / "cms-dav.conf"
    config.write_text(CONFIG.format(dispatch="false"), encoding="utf-8")
    HtpasswdFile(tmp_path / "users", rounds=4).add("alice", "alice-pw")
    receiver = Receiver().start()
    server = ServerProcess(data_dir=tmp_path, config=config).start()
    try:
        alice = server.session("alice", "alice-pw")
        make_addressbook(alice, f"{server.url}/alice/book/")
        added = server.cli("webhook", "add", receiver.url, "--events", "contact.created",
                           check=True).stdout.split()
        secret = added[-1]
        assert put_card(alice, f"{server.url}/alice/book/k.vcf",
                        vcard("k-1", "Kim Lo")).status_code == 201
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

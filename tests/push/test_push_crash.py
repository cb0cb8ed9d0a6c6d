"""A server killed with SIGKILL after a change committed and before its push message
went out sends it after restart (issue 18 item 1), as the webhooks do; two changes
waiting together make one message with the newest sync token.

The first server records but does not deliver (``[outbox] dispatch = false``), which
pins the crash between commit and delivery; the restarted one delivers."""

from __future__ import annotations

from pathlib import Path

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.push.push_service import NS, PushService, settled
from tests.support.dav import make_addressbook, put_card, sync_collection, vcard
from tests.support.server import ServerProcess

CONFIG = """\
[outbox]
dispatch = {dispatch}
poll_interval = 0.05
[push]
allow_insecure_endpoints = true
"""


def test_a_change_committed_before_a_crash_is_pushed_after_restart(tmp_path: Path) -> None:
    config = tmp_path / "cms-dav.conf"
    config.write_text(CONFIG.format(dispatch="false"), encoding="utf-8")
    HtpasswdFile(tmp_path / "users", rounds=4).add("alice", "alice-pw")
    service = PushService().start()
    server = ServerProcess(data_dir=tmp_path, config=config).start()
    try:
        alice = server.session("alice", "alice-pw")
        book = f"{server.url}/alice/book/"
        make_addressbook(alice, book)
        assert alice.post(book, data=service.register_body().encode(),
                          headers={"Content-Type": "application/xml"}).status_code == 201
        for uid in ("k-1", "k-2"):
            assert put_card(alice, f"{book}{uid}.vcf", vcard(uid, "Kim Lo")).status_code == 201
        server.kill()
        assert service.messages() == []
        config.write_text(CONFIG.format(dispatch="true"), encoding="utf-8")
        server.start()
        [message] = settled(server, service, 1)  # the two changes coalesced
        _, token, _ = sync_collection(alice, book)
    finally:
        server.stop()
        service.stop()
    assert service.decrypt(message).findtext(
        f"{NS}content-update/{{DAV:}}sync-token") == token


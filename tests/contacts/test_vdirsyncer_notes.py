"""A client that drops interaction lines: vdirsyncer converges on the server's merged card."""

from __future__ import annotations

import re

from click.testing import CliRunner

from cms_dav.cli import cli
from tests.support.dav import put_card, vcard
from tests.support.vdirsyncer import (SyncPair, discover_and_sync, requires_vdirsyncer,
                                      run_vdirsyncer, same_collection, write_config)

pytestmark = requires_vdirsyncer

NOTE = "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;;Renewal\\, next: quote 会议\r\n"


def test_stripping_client_converges_on_the_merged_card(make_server, tmp_path):
    server = make_server()
    CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "user", "add", "alice",
                             "--password-stdin"], input="alice-pw\n")
    alice = server.session("alice", "alice-pw")
    url = f"{server.url}/alice/contacts/zw.vcf"
    assert put_card(alice, url, vcard("zw", "Zhang Wei", NOTE)).status_code == 201
    config = write_config(tmp_path, server.url, "alice", "alice-pw", [
        SyncPair("contacts", "carddav", "vdir/", same_collection("contacts"))])
    discover_and_sync(config)
    [local] = list((tmp_path / "vdir" / "contacts").iterdir())
    # The "client" edits the card and drops the property it does not know.
    stripped = re.sub(r"X-CMS-INTERACTION:.*\r?\n(?:[ \t].*\r?\n)*", "", local.read_text())
    local.write_text(stripped.replace("FN:Zhang Wei", "FN:Zhang Wei\r\nTITLE:Buyer"))
    run_vdirsyncer(config, "sync")
    run_vdirsyncer(config, "sync")

    merged = local.read_text().replace("\r\n ", "").replace("\n ", "")
    assert "TITLE:Buyer" in merged and "会议" in merged
    # recorded under alice at the server's time, the client's date kept as claimed
    assert re.search(r"i-1;call;\d{8}T\d{6}Z/claimed=20261120T100000Z;alice;", merged)
    on_server = alice.get(url).text.replace("\r\n ", "").replace("\r\n", "\n")
    assert merged.replace("\r\n", "\n") == on_server
    output = run_vdirsyncer(config, "sync")
    assert "Copying" not in output and "Deleting" not in output


def test_a_line_typed_into_the_timeline_block_converges(make_server, tmp_path):
    """Issue 14 item 4: vdirsyncer as the phone; the typed line becomes one interaction,
    the client gets the regenerated block, and a further sync changes nothing."""
    server = make_server()
    CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "user", "add", "alice",
                             "--password-stdin"], input="alice-pw\n")
    alice = server.session("alice", "alice-pw")
    url = f"{server.url}/alice/contacts/zw.vcf"
    assert put_card(alice, url, vcard("zw", "Zhang Wei", "NOTE:Own text\r\n")).status_code == 201
    CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "notes", "add", "zw", "--user",
                             "alice", "--type", "call", "--text", "Discussed renewal"])
    config = write_config(tmp_path, server.url, "alice", "alice-pw", [
        SyncPair("contacts", "carddav", "vdir/", same_collection("contacts"))])
    discover_and_sync(config)
    [local] = list((tmp_path / "vdir" / "contacts").iterdir())
    unfolded = local.read_text().replace("\r\n ", "").replace("\n ", "")
    assert "=== Timeline [cms-dav] ===" in unfolded
    local.write_text(unfolded.replace("\\n=== end", "\\n+ meeting: demo in Shanghai\\n=== end"))
    run_vdirsyncer(config, "sync")
    run_vdirsyncer(config, "sync")

    merged = local.read_text().replace("\r\n ", "").replace("\n ", "")
    assert merged.count("demo in Shanghai") == 2  # the interaction line and the block line
    assert "+ meeting" not in merged and "Own text" in merged
    on_server = alice.get(url).text.replace("\r\n ", "").replace("\r\n", "\n")
    assert merged.replace("\r\n", "\n") == on_server
    output = run_vdirsyncer(config, "sync")
    assert "Copying" not in output and "Deleting" not in output

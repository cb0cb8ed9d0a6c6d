"""The audit trail (issue 13 item 3): every change, by any door, says when, who, from
which address and door, with which method, what (collection, href, UID), what kind of
change, and the item's previous and new ETag; ``cms-dav audit`` shows it newest first."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cms_dav.cli import cli
from cms_dav.store.audit import ENTRY_KEYS
from tests.support.dav import put_card, vcard
from tests.support.server import ServerProcess

BOOK = "bob/contacts"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One server for the module; bob writes over HTTP, alice adds a note with the CLI
    (a real ``cms-dav`` process), the admin shares bob's book with alice."""
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("audit"))
    for name in ("alice", "bob"):  # in-process: a CLI subprocess costs seconds
        result = CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "user", "add",
                                          name, "--password-stdin"], input=f"{name}-pw\n")
        assert result.exit_code == 0, result.output
    server.start()
    bob = server.session("bob", "bob-pw")
    url = f"{server.url}/{BOOK}/ada.vcf"
    created = put_card(bob, url, vcard("ada-uid", "Lovelace Ada"))
    assert created.status_code == 201, created.text
    first = bob.get(url).headers["ETag"]
    updated = put_card(bob, url, vcard("ada-uid", "Lovelace Ada", "ORG:Engines\r\n"),
                       **{"If-Match": first})
    assert updated.status_code in (201, 204), updated.text
    second = bob.get(url).headers["ETag"]
    gone = put_card(bob, f"{server.url}/{BOOK}/gone.vcf", vcard("gone-uid", "Gone Greta"))
    assert gone.status_code == 201, gone.text
    gone_etag = bob.get(f"{server.url}/{BOOK}/gone.vcf").headers["ETag"]
    assert bob.delete(f"{server.url}/{BOOK}/gone.vcf").status_code in (200, 204)
    server.cli("share", "grant", f"/{BOOK}/", "--to", "user:alice", "--access", "write",
               check=True)
    server.cli("notes", "add", "ada-uid", "--user", "alice", "--type", "call",
               "--text", "asked about the engine", check=True)
    third = bob.get(url).headers["ETag"]
    yield {"server": server, "etags": (first, second, third), "gone_etag": gone_etag}
    server.stop()


def audit(server: ServerProcess, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "audit", *args,
                                      "--json"])
    assert result.exit_code == 0, result.output
    entries: list[dict[str, Any]] = json.loads(result.stdout)
    return entries


def only(entries: list[dict[str, Any]], **wanted: str) -> dict[str, Any]:
    found = [e for e in entries if all(e[k] == v for k, v in wanted.items())]
    assert len(found) == 1, (wanted, entries)
    return found[0]


def test_a_contact_created_over_http_by_bob_records_his_door_address_method_and_etag(
        audited: Any) -> None:
    entry = only(audit(audited["server"]), uid="ada-uid", kind="create")
    assert {k: entry[k] for k in ("user", "door", "address", "method", "collection", "href",
                                  "old_etag", "new_etag")} == {
        "user": "bob", "door": "http", "address": "127.0.0.1", "method": "PUT",
        "collection": BOOK, "href": "ada.vcf", "old_etag": "",
        "new_etag": audited["etags"][0]}


def test_an_update_over_http_records_the_previous_and_the_new_etag(audited: Any) -> None:
    entry = only(audit(audited["server"]), uid="ada-uid", kind="update", door="http")
    first, second, _ = audited["etags"]
    assert (entry["user"], entry["method"], entry["old_etag"], entry["new_etag"]) == (
        "bob", "PUT", first, second)


def test_a_delete_over_http_records_kind_delete_and_the_last_etag(audited: Any) -> None:
    entry = only(audit(audited["server"]), uid="gone-uid", kind="delete")
    assert (entry["user"], entry["door"], entry["method"], entry["href"],
            entry["old_etag"], entry["new_etag"]) == (
        "bob", "http", "DELETE", "gone.vcf", audited["gone_etag"], "")


def test_a_change_through_the_cli_records_door_cli_the_command_and_a_local_address(
        audited: Any) -> None:
    entry = only(audit(audited["server"]), uid="ada-uid", door="cli")
    _, second, third = audited["etags"]
    assert {k: entry[k] for k in ("user", "address", "method", "kind", "collection", "href",
                                  "old_etag", "new_etag")} == {
        "user": "alice", "address": "local", "method": "notes add", "kind": "update",
        "collection": BOOK, "href": "ada.vcf", "old_etag": second, "new_etag": third}


def test_a_share_granted_with_the_cli_is_recorded_as_kind_share(audited: Any) -> None:
    entry = only(audit(audited["server"], "--collection", f"/{BOOK}/"), kind="share")
    assert (entry["door"], entry["method"], entry["action"], entry["collection"]) == (
        "cli", "share grant", "share.create", BOOK)


def test_replaced_versions_keep_the_door_of_the_write_that_replaced_them(
        audited: Any) -> None:
    database = audited["server"].data_dir / "cms-dav.sqlite3"
    with sqlite3.connect(database) as conn:
        doors = [row[0] for row in conn.execute(
            "SELECT door FROM history WHERE uid = 'ada-uid' ORDER BY id")]
    assert doors == ["http", "cli"]


def test_entries_are_listed_newest_first(audited: Any) -> None:
    entries = audit(audited["server"], "--contact", "ada-uid")
    assert [e["kind"] for e in entries] == ["update", "update", "create"]
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)


def test_json_entries_have_the_documented_stable_keys(audited: Any) -> None:
    entries = audit(audited["server"], "--limit", "3")
    assert len(entries) == 3
    assert all(list(e) == list(ENTRY_KEYS) for e in entries)


@pytest.mark.parametrize("reference", ["ada-uid", "Lovelace Ada", "/bob/contacts/ada.vcf"])
def test_contact_filter_takes_a_uid_a_name_or_an_href(audited: Any, reference: str) -> None:
    entries = audit(audited["server"], "--contact", reference)
    assert {e["uid"] for e in entries} == {"ada-uid"} and len(entries) == 3


def test_contact_filter_finds_a_deleted_contact_by_its_uid(audited: Any) -> None:
    entries = audit(audited["server"], "--contact", "gone-uid")
    assert [e["kind"] for e in entries] == ["delete", "create"]


def test_user_filter_shows_only_that_users_changes(audited: Any) -> None:
    entries = audit(audited["server"], "--user", "alice")
    assert entries and {e["user"] for e in entries} == {"alice"}


def test_since_leaves_out_older_entries(audited: Any, tmp_path: Path) -> None:
    server = audited["server"]
    bob = server.session("bob", "bob-pw")
    response = put_card(bob, f"{server.url}/{BOOK}/old.vcf", vcard("old-uid", "Old Otto"))
    assert response.status_code == 201, response.text
    with sqlite3.connect(server.data_dir / "cms-dav.sqlite3") as conn:
        conn.execute("UPDATE audit SET at = ? WHERE uid = 'old-uid'",
                     (time.time() - 10 * 86400,))
    assert audit(server, "--contact", "old-uid", "--since", "7d") == []
    assert len(audit(server, "--contact", "old-uid", "--since", "2w")) == 1
    ten_days_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 11 * 86400))
    assert len(audit(server, "--contact", "old-uid", "--since", ten_days_ago)) == 1
    assert len(audit(server, "--contact", "ada-uid", "--since", "30m")) == 3


def test_an_unreadable_since_is_a_clear_error(audited: Any) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(audited["server"].data_dir),
                                      "audit", "--since", "last tuesday"])
    assert result.exit_code != 0
    assert "--since 'last tuesday': expected an age such as 30m" in result.output


def test_the_table_shows_who_where_and_what(audited: Any) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(audited["server"].data_dir),
                                      "audit", "--contact", "ada-uid"])
    assert result.exit_code == 0, result.output
    for expected in ("bob", "http", "127.0.0.1", "PUT", "alice", "cli", "notes add",
                     "/bob/contacts/ada.vcf"):
        assert expected in result.output


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """alice shares her book with bob and makes a link, through the sharing API."""
    data = tmp_path_factory.mktemp("audit-shares")
    config = data / "cms-dav.conf"
    config.write_text("[sharing]\npublic_links = true\n")  # links are off by default
    server = ServerProcess(data_dir=data, config=config)
    for name in ("alice", "bob"):
        result = CliRunner().invoke(cli, ["--data-dir", str(data), "--config", str(config),
                                          "user", "add", name, "--password-stdin"],
                                    input=f"{name}-pw\n")
        assert result.exit_code == 0, result.output
    server.start()
    alice = server.session("alice", "alice-pw")
    for user in ("alice", "bob"):  # first login makes the home
        server.session(user, f"{user}-pw").request("PROPFIND", f"{server.url}/{user}/",
                                                   headers={"Depth": "0"})
    responses = [alice.post(f"{server.url}/.sharing/v1/{call}", json=body,
                            headers={"Accept": "application/json"}) for call, body in (
        ("map/create", {"PathMapped": "/alice/contacts/", "PathOrToken": "/bob/from-alice/",
                        "User": "bob", "Permissions": "r", "Enabled": True, "Hidden": False}),
        ("token/create", {"PathMapped": "/alice/contacts/", "Permissions": "r",
                          "Enabled": True, "Hidden": False}))]
    for response in responses:
        assert response.status_code == 200, response.text
    yield {"server": server, "token": responses[1].json()["PathOrToken"]}
    server.stop()


def test_a_share_made_through_the_sharing_api_is_recorded_as_kind_share_over_http(
        shared: Any) -> None:
    server = shared["server"]
    result = CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "--config",
                                      str(server.config), "audit", "--json", "--user", "alice"])
    assert result.exit_code == 0, result.output
    made = [(e["kind"], e["door"], e["method"], e["address"], e["collection"],
             e["detail"]["type"]) for e in json.loads(result.stdout) if e["kind"] == "share"]
    assert made == [("share", "http", "POST", "127.0.0.1", "alice/contacts", "token"),
                    ("share", "http", "POST", "127.0.0.1", "alice/contacts", "map")]


def test_a_share_links_token_is_never_in_the_audit_trail(shared: Any) -> None:
    server = shared["server"]
    secret = shared["token"].strip("/").rsplit("/", 1)[-1]
    assert len(secret) >= 16
    for args in (["--json"], []):
        result = CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "--config",
                                          str(server.config), "audit", *args])
        assert result.exit_code == 0 and "share" in result.output
        assert secret not in result.output

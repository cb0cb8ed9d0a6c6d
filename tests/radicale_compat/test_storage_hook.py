"""Radicale's ``[storage] hook`` runs after each committed change made over DAV, with
Radicale's placeholders (issue 11, point 3)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

import pytest
import requests

from tests.support.dav import make_addressbook, propfind, put_card, vcard
from tests.support.server import ServerProcess

#: one line per run: method, user, actor, path, MOVE target, %(cwd)s, working directory
HOOK = ("printf '%%s|%%s|%%s|%%s|%%s|%%s|%%s\\n' %(request)s %(user)s %(actor)s %(path)s "
        "\"%(to_path)s\" %(cwd)s \"$(pwd -P)\" >> hook.log")


def _dav(fields: list[str]) -> list[str]:
    """Paths as DAV paths: Radicale forms them under <data dir>/collection-root."""
    return [field.split("/collection-root", 1)[1] if "/collection-root" in field else field
            for field in fields]


def _config(hook: str) -> str:
    return f"[radicale:storage]\nhook = {hook}\n"


class HookLog:
    """The lines the hook appended, read from a mark on."""

    def __init__(self, server: ServerProcess) -> None:
        self.path = server.data_dir / "hook.log"
        self.seen = 0

    def lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []

    def new(self) -> list[str]:
        """The lines written since the last call (the hook has finished when the
        response arrived: it runs before Radicale answers)."""
        lines = self.lines()
        fresh, self.seen = lines[self.seen:], len(lines)
        return fresh


@pytest.fixture(scope="module")
def hooked_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("hooked")
    config = data_dir / "cms-dav.conf"
    config.write_text(_config(HOOK), encoding="utf-8")
    server = ServerProcess(data_dir=data_dir, config=config)
    server.add_user("alice", "alice-pw")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hooked(hooked_server: ServerProcess) -> tuple[ServerProcess, requests.Session, HookLog]:
    """The hooked server; its log starts after the home's creation (Radicale: NONE)."""
    session = hooked_server.session("alice", "alice-pw")
    assert session.request("PROPFIND", hooked_server.url + "/alice/",
                           headers={"Depth": "0"}).status_code == 207
    log = HookLog(hooked_server)
    log.new()
    return hooked_server, session, log


def test_hook_runs_after_a_put_with_radicale_placeholders(hooked) -> None:  # type: ignore[no-untyped-def]
    server, session, log = hooked
    response = put_card(session, server.url + "/alice/contacts/put.vcf", vcard("put", "Ann Put"))
    assert response.status_code == 201
    data_dir = server.data_dir.resolve()
    assert log.new() == [f"PUT|alice|alice|{data_dir}/collection-root/alice/contacts/put.vcf"
                         f"||{data_dir}|{data_dir}"]


def test_hook_runs_after_delete_proppatch_and_mkcol(hooked) -> None:  # type: ignore[no-untyped-def]
    server, session, log = hooked
    put_card(session, server.url + "/alice/contacts/del.vcf", vcard("del", "Ann Del"))
    log.new()
    assert session.delete(server.url + "/alice/contacts/del.vcf").status_code == 200
    body = ('<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>'
            '<d:displayname>Team</d:displayname></d:prop></d:set></d:propertyupdate>')
    assert session.request("PROPPATCH", server.url + "/alice/contacts/",
                           data=body).status_code == 207
    make_addressbook(session, server.url + "/alice/made/")
    requests_seen = [_dav(line.split("|")[:4]) for line in log.new()]
    assert requests_seen == [["DELETE", "alice", "alice", "/alice/contacts/del.vcf"],
                             ["PROPPATCH", "alice", "alice", "/alice/contacts/"],
                             ["MKCOL", "alice", "alice", "/alice/made/"]]


def test_hook_gets_the_move_destination_as_to_path(hooked) -> None:  # type: ignore[no-untyped-def]
    server, session, log = hooked
    make_addressbook(session, server.url + "/alice/clients/")
    put_card(session, server.url + "/alice/contacts/move.vcf", vcard("move", "Ann Move"))
    log.new()
    response = session.request("MOVE", server.url + "/alice/contacts/move.vcf",
                               headers={"Destination": server.url + "/alice/clients/move.vcf"})
    assert response.status_code == 201
    assert [_dav(line.split("|")[:5]) for line in log.new()] == [
        ["MOVE", "alice", "alice", "/alice/contacts/move.vcf", "/alice/clients/move.vcf"]]


def test_hook_does_not_run_for_reads(hooked) -> None:  # type: ignore[no-untyped-def]
    server, session, log = hooked
    put_card(session, server.url + "/alice/contacts/read.vcf", vcard("read", "Ann Read"))
    log.new()
    assert session.get(server.url + "/alice/contacts/read.vcf").status_code == 200
    assert propfind(session, server.url + "/alice/contacts/",
                    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'
                    ).status_code == 207
    assert log.new() == []


def test_hook_does_not_run_when_nothing_was_committed(hooked) -> None:  # type: ignore[no-untyped-def]
    server, session, log = hooked
    put_card(session, server.url + "/alice/contacts/kept.vcf", vcard("kept", "Ann Kept"))
    log.new()
    refused = put_card(session, server.url + "/alice/contacts/kept.vcf",
                       vcard("kept", "Ann Other"), **{"If-Match": '"not-the-etag"'})
    assert refused.status_code == 412
    assert log.new() == []


def test_hook_placeholders_are_shell_quoted(hooked) -> None:  # type: ignore[no-untyped-def]
    server, session, log = hooked
    response = put_card(session, server.url + "/alice/contacts/a%20b%3Bc.vcf",
                        vcard("quoted", "Ann Quoted"))
    assert response.status_code == 201
    assert [_dav(line.split("|"))[3] for line in log.new()] == ["/alice/contacts/a b;c.vcf"]


def test_hook_sees_the_committed_change(make_server: Callable[..., ServerProcess]) -> None:
    """The hook runs after the commit: a reader of the database already sees the item."""
    count = (f"{sys.executable} -c \"import sqlite3; print(sqlite3.connect("
             f"'cms-dav.sqlite3').execute('select count(*) from items').fetchone()[0])\" "
             f">> hook.log")
    server = make_server(config_text=_config(count), users={"alice": "alice-pw"})
    session = server.session("alice", "alice-pw")
    log = HookLog(server)
    put_card(session, server.url + "/alice/contacts/ann.vcf", vcard("ann", "Ann Lee"))
    put_card(session, server.url + "/alice/contacts/bob.vcf", vcard("bob", "Bob Ray"))
    assert log.new()[-2:] == ["1", "2"]


def test_failing_hook_is_logged_and_keeps_the_change(
        make_server: Callable[..., ServerProcess]) -> None:
    server = make_server(config_text=_config("exit 3"), users={"alice": "alice-pw"})
    session = server.session("alice", "alice-pw")
    url = server.url + "/alice/contacts/ann.vcf"
    assert put_card(session, url, vcard("ann", "Ann Lee")).status_code == 201
    assert session.get(url).status_code == 200
    deadline = time.monotonic() + 5
    while "Execution of storage hook not successful" not in server.log() \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "returned non-zero exit status 3" in server.log()


def test_hook_with_an_unknown_placeholder_is_logged_and_skipped(
        make_server: Callable[..., ServerProcess]) -> None:
    server = make_server(config_text=_config("echo %(nope)s >> hook.log"),
                         users={"alice": "alice-pw"})
    session = server.session("alice", "alice-pw")
    assert put_card(session, server.url + "/alice/contacts/ann.vcf",
                    vcard("ann", "Ann Lee")).status_code == 201
    assert "not supported placeholder 'nope'" in server.log()
    assert not (Path(server.data_dir) / "hook.log").exists()

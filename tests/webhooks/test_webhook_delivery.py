"""Webhooks (issue 15 item 4) against a real server and a receiver on 127.0.0.1: one
signed event per change, retried until a receiver that was down comes back, only the
events of the endpoint's collection and of what its owner may read, registration
refused for a collection the owner may not read, disabled after repeated failure.

One server for the module; each test has an address book and endpoint of its own."""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from typing import Any, Callable, Iterator

import pytest
import requests

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from cms_dav.webhooks import admin
from tests.support.dav import make_addressbook, put_card, vcard
from tests.support.server import ServerProcess, configured_server
from tests.webhooks.receiver import Receiver

CONTACT_EVENTS = "contact.created,contact.updated,contact.deleted,interaction.added"
CONFIG = """\
[outbox]
poll_interval = 0.05
[webhooks]
allow_insecure_endpoints = true
retry_base = 0.1
retry_cap = 0.2
retry_for = 4
disable_after = 2
"""
_BOOKS = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with configured_server(tmp_path_factory.mktemp("webhooks"), CONFIG,
                           {"alice": "alice-pw", "bob": "bob-pw"}) as process:
        yield process


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as started:
        yield started


@pytest.fixture
def alice(server: ServerProcess) -> requests.Session:
    return server.session("alice", "alice-pw")


def new_book(server: ServerProcess, session: requests.Session, user: str = "alice") -> str:
    """A fresh address book of ``user``; its stored path."""
    path = f"{user}/book{next(_BOOKS)}"
    make_addressbook(session, f"{server.url}/{path}/")
    return path


@pytest.fixture(scope="module")
def app(server: ServerProcess) -> Iterator[App]:
    """The server's services in the test process: registering through them is what
    ``webhook add`` does, without starting a CLI per test."""
    with build_app(load_settings(str(server.data_dir), str(server.config))) as opened:
        yield opened


def register(app: App, url: str, collection: str = "", owner: str = "") -> tuple[int, str]:
    """An endpoint for the contact events; its id and secret."""
    done = admin.register(app.store, app.policy, app.authenticator.users.names(), "test",
                          url, CONTACT_EVENTS.split(","), collection, owner,
                          allow_insecure=True)
    return done.id, done.secret


def database(server: ServerProcess) -> sqlite3.Connection:
    conn = sqlite3.connect(server.data_dir / "cms-dav.sqlite3")
    conn.row_factory = sqlite3.Row
    return conn


def attempts(server: ServerProcess, endpoint: int) -> list[dict[str, Any]]:
    """The endpoint's attempt log, read from the database (a CLI start costs seconds
    on a busy machine; ``webhook log`` itself is tested once)."""
    with database(server) as conn:
        return [dict(row) for row in conn.execute(
            "SELECT * FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id", (endpoint,))]


def wait_for_log(server: ServerProcess, endpoint: int,
                 done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    """The log once ``done`` says it is complete (20 s bound for a hung test)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = attempts(server, endpoint)
        if done(found):
            return found
        time.sleep(0.05)
    raise AssertionError(f"log still waiting: {attempts(server, endpoint)}")


def types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


def test_each_change_sends_one_signed_event(server: ServerProcess, alice: requests.Session,
                                            receiver: Receiver) -> None:
    book = new_book(server, alice)
    added = server.cli("webhook", "add", receiver.url, "--events", CONTACT_EVENTS,
                       "--collection", book, check=True).stdout.strip().splitlines()
    assert added[0].startswith("webhook ") and "shown once" in added[0]
    secret = added[1]
    card_url = f"{server.url}/{book}/ann.vcf"
    assert put_card(alice, card_url, vcard("ann-1", "Ann Lee")).status_code == 201
    receiver.wait_for(lambda got: types(got) == ["contact.created"])
    assert put_card(alice, card_url, vcard("ann-1", "Ann Lee", "ORG:Acme\r\n")
                    ).status_code in (201, 204)
    receiver.wait_for(lambda got: types(got)[1:] == ["contact.updated"])
    server.cli("notes", "add", "ann-1", "--user", "alice", "--type", "call",
               "--text", "Renewal", check=True)
    receiver.wait_for(lambda got: types(got)[2:] == ["contact.updated", "interaction.added"])
    assert alice.delete(card_url).status_code == 200
    got = receiver.wait_for(lambda got: len(got) == 5)
    assert types(got)[4] == "contact.deleted"
    assert all(each.signed_by(secret) for each in receiver.got)
    assert len({event["id"] for event in got}) == 5
    assert all(each.headers["X-CMS-Webhook-Id"] == str(each.event["id"])
               for each in receiver.got)
    created, note = got[0], got[3]
    assert created["collection"] == f"/{book}/" and created["href"] == f"/{book}/ann.vcf"
    assert created["contact"]["uid"] == "ann-1" and created["contact"]["name"] == "Ann Lee"
    assert note["interaction"]["text"] == "Renewal" and note["actor"] == "alice"


def test_a_wrong_secret_does_not_verify(server: ServerProcess, app: App, alice: requests.Session,
                                        receiver: Receiver) -> None:
    book = new_book(server, alice)
    _, secret = register(app, receiver.url, book)
    put_card(alice, f"{server.url}/{book}/x.vcf", vcard("x-1", "X Y"))
    receiver.wait_for(lambda got: len(got) == 1)
    assert not receiver.got[0].signed_by(secret[:-1] + ("A" if secret[-1] != "A" else "B"))


def test_an_endpoint_for_one_collection_gets_only_its_events(
        server: ServerProcess, app: App, alice: requests.Session, receiver: Receiver) -> None:
    book, other = new_book(server, alice), new_book(server, alice)
    register(app, receiver.url, book)
    put_card(alice, f"{server.url}/{other}/a.vcf", vcard("a-1", "A B"))
    put_card(alice, f"{server.url}/{book}/b.vcf", vcard("b-1", "B C"))
    got = receiver.wait_for(lambda got: len(got) >= 1)
    assert [event["collection"] for event in got] == [f"/{book}/"]


def test_an_owner_gets_only_events_of_collections_they_may_read(
        server: ServerProcess, app: App, alice: requests.Session, receiver: Receiver) -> None:
    bob = server.session("bob", "bob-pw")
    alices, bobs = new_book(server, alice), new_book(server, bob, "bob")
    endpoint, _ = register(app, receiver.url, owner="bob")
    put_card(alice, f"{server.url}/{alices}/a.vcf", vcard("a-2", "A B"))
    put_card(bob, f"{server.url}/{bobs}/b.vcf", vcard("b-2", "B C"))
    got = receiver.wait_for(lambda got: len(got) >= 1)
    assert [event["collection"] for event in got] == [f"/{bobs}/"]
    dropped = wait_for_log(server, endpoint, lambda log: any(
        each["result"] == "dropped" for each in log))
    assert any("may not read" in each["error"] for each in dropped)
    admin.remove(app.store, "test", endpoint)


def test_an_owner_cannot_register_for_a_collection_they_may_not_read(
        server: ServerProcess, alice: requests.Session, receiver: Receiver) -> None:
    book = new_book(server, alice)
    refused = server.cli("webhook", "add", receiver.url, "--events", "contact.created",
                         "--collection", book, "--owner", "bob")
    assert refused.returncode == 1 and "may not read" in refused.stderr
    assert f"/{book}/" not in server.cli("webhook", "list", check=True).stdout


def test_a_receiver_that_was_down_gets_the_event_once_it_is_back(
        server: ServerProcess, app: App, alice: requests.Session) -> None:
    down = Receiver()  # nothing listens on its port yet
    book = new_book(server, alice)
    endpoint, secret = register(app, down.url, book)
    put_card(alice, f"{server.url}/{book}/d.vcf", vcard("d-1", "D E"))
    wait_for_log(server, endpoint, lambda log: any(each["result"] == "retry" for each in log))
    down.start()
    try:
        got = down.wait_for(lambda got: len(got) >= 1)
        log = wait_for_log(server, endpoint,
                           lambda log: log[-1]["result"] == "delivered")
    finally:
        down.stop()
    assert types(got) == ["contact.created"] and down.got[0].signed_by(secret)
    assert [each["result"] for each in log].count("delivered") == 1
    shown = json.loads(server.cli("webhook", "log", str(endpoint), "--json",
                                  check=True).stdout)
    assert shown[0]["status"] == 0 and "Connection" in shown[0]["error"]
    assert shown[-1]["result"] == "delivered" and shown[-1]["status"] == 200


def test_an_endpoint_failing_repeatedly_is_disabled(
        server: ServerProcess, app: App, alice: requests.Session, receiver: Receiver) -> None:
    receiver.status = 500
    book = new_book(server, alice)
    endpoint, _ = register(app, receiver.url, book)
    put_card(alice, f"{server.url}/{book}/f1.vcf", vcard("f-1", "F G"))
    put_card(alice, f"{server.url}/{book}/f2.vcf", vcard("f-2", "G H"))
    wait_for_log(server, endpoint, lambda log: sum(
        each["result"] == "failed" for each in log) == 2)
    listed = server.cli("webhook", "list", check=True).stdout.splitlines()
    mine = next(line for line in listed if line.startswith(f"{endpoint}  "))
    assert "DISABLED" in mine and "2 events failed in a row" in mine
    assert "whsec_" not in "".join(listed)
    put_card(alice, f"{server.url}/{book}/f3.vcf", vcard("f-3", "H I"))
    assert deliveries_to(server, endpoint) == 2  # none made for the third card


def deliveries_to(server: ServerProcess, endpoint: int) -> int:
    with database(server) as conn:
        return int(conn.execute("SELECT count(*) FROM outbox_deliveries WHERE consumer = "
                                "'webhook' AND target = ?", (str(endpoint),)).fetchone()[0])

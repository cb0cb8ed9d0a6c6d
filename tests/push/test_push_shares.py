"""WebDAV-Push on share grant and revoke (issue 18 item 1; the polish of stop 24):
before, granting a share told the sharee's phone nothing (it found the new collection
at its next poll), and revoking one left the sharee's subscription to the shared
collection in place, silently dropping every later message.

Now, from every door (sharing API, CLI, JSON API): a grant sends each of the sharee's
devices one ``push-message`` without a topic (the account changed), and a revocation
sends the sharee's subscription to the collection one last message (its topic, no
sync token), after which the subscription is gone and hears of nothing more.

One server for the module; each test has an address book and push service of its own.
"""

from __future__ import annotations

import itertools
import sqlite3
from contextlib import contextmanager
from typing import Iterator

import pytest
import requests

from tests.push.push_service import SERVER_CONFIG, NS, Message, PushService, settled
from tests.push.test_push import collection_props, register, share_with_bob
from tests.support.dav import make_addressbook, put_card, vcard
from tests.support.server import ServerProcess, configured_server

JSON = {"Accept": "application/json"}
_BOOKS = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with configured_server(tmp_path_factory.mktemp("push-shares"), SERVER_CONFIG,
                           {"alice": "alice-pw", "bob": "bob-pw"}) as process:
        make_addressbook(process.session("bob", "bob-pw"), f"{process.url}/bob/own/")
        yield process


@contextmanager
def push_service(server: ServerProcess) -> Iterator[PushService]:
    """A push service for one test; its subscriptions go with it, so that a later
    grant (which reaches every device of bob's) waits for no dead service."""
    started = PushService().start()
    try:
        yield started
    finally:
        with sqlite3.connect(server.data_dir / "cms-dav.sqlite3") as conn:
            conn.execute("DELETE FROM push_subscriptions WHERE push_resource = ?",
                         (started.url,))
            conn.execute("UPDATE outbox_deliveries SET state = 'dropped' WHERE consumer = "
                         "'push' AND state = 'pending' AND target NOT IN "
                         "(SELECT id FROM push_subscriptions)")
        started.stop()


@pytest.fixture
def service(server: ServerProcess) -> Iterator[PushService]:
    with push_service(server) as started:
        yield started


@pytest.fixture
def book(server: ServerProcess, alice: requests.Session) -> str:
    """A fresh address book of alice's; its URL."""
    url = f"{server.url}/alice/shared{next(_BOOKS)}/"
    make_addressbook(alice, url)
    return url


def parts(service: PushService, message: Message) -> tuple[str | None, str | None]:
    """(topic, sync token) of a decrypted push-message; None for an absent element."""
    root = service.decrypt(message)
    assert root.tag == f"{NS}push-message"
    topic = root.find(f"{NS}topic")
    token = root.find(f"{NS}content-update/{{DAV:}}sync-token")
    return (None if topic is None else topic.text or "",
            None if token is None else token.text or "")


def path_of(server: ServerProcess, url: str) -> str:
    return url[len(server.url):]


def grant_by_cli(server: ServerProcess, book: str) -> str:
    server.cli("share", "grant", path_of(server, book), "--to", "user:bob", "--access",
               "write", check=True)
    return "/bob/" + path_of(server, book).strip("/").replace("/", "-") + "/"


def bob_subscribed_to_the_mount(server: ServerProcess, bob: requests.Session, mount: str,
                                service: PushService) -> str:
    answer = register(bob, f"{server.url}{mount}", service)
    assert answer.status_code == 201, answer.text
    return answer.headers["Location"]


# -- grant -------------------------------------------------------------------------
def test_a_share_granted_through_the_sharing_api_pushes_to_the_sharees_device(
        server: ServerProcess, alice: requests.Session, bob: requests.Session, book: str,
        service: PushService) -> None:
    assert register(bob, f"{server.url}/bob/own/", service).status_code == 201
    share_with_bob(server, alice, book)
    [message] = settled(server, service, 1)
    assert parts(service, message) == (None, None)


def test_a_share_granted_through_the_cli_pushes_to_the_sharees_device(
        server: ServerProcess, bob: requests.Session, book: str,
        service: PushService) -> None:
    assert register(bob, f"{server.url}/bob/own/", service).status_code == 201
    grant_by_cli(server, book)
    [message] = settled(server, service, 1)
    assert parts(service, message) == (None, None)


def test_a_share_granted_through_the_json_api_pushes_to_the_sharees_device(
        server: ServerProcess, alice: requests.Session, bob: requests.Session, book: str,
        service: PushService) -> None:
    assert register(bob, f"{server.url}/bob/own/", service).status_code == 201
    granted = alice.post(f"{server.url}/api/v1/shares{path_of(server, book)}".rstrip("/"),
                         json={"to": "user:bob", "access": "read"}, headers=JSON)
    assert granted.status_code == 201, granted.text
    [message] = settled(server, service, 1)
    assert parts(service, message) == (None, None)


def test_a_grant_tells_each_device_once_however_many_collections_it_watches(
        server: ServerProcess, alice: requests.Session, bob: requests.Session, book: str,
        service: PushService) -> None:
    second = f"{server.url}/bob/own{next(_BOOKS)}/"
    make_addressbook(bob, second)
    for url in (f"{server.url}/bob/own/", second):
        assert register(bob, url, service).status_code == 201
    grant_by_cli(server, book)
    assert len(settled(server, service, 1)) == 1


def test_a_grant_does_not_push_to_the_owners_own_subscription(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    with push_service(server) as sharees:
        assert register(alice, book, service).status_code == 201
        assert register(server.session("bob", "bob-pw"), f"{server.url}/bob/own/",
                        sharees).status_code == 201
        grant_by_cli(server, book)
        settled(server, sharees, 1)
    assert service.messages() == []


# -- revoke ------------------------------------------------------------------------
def test_a_share_revoked_through_the_cli_sends_the_sharees_subscription_a_last_message(
        server: ServerProcess, alice: requests.Session, bob: requests.Session, book: str,
        service: PushService) -> None:
    mount = grant_by_cli(server, book)
    bob_subscribed_to_the_mount(server, bob, mount, service)
    topic = collection_props(alice, book)["topic"].text
    server.cli("share", "revoke", path_of(server, book), "--to", "user:bob", check=True)
    [message] = settled(server, service, 1)
    assert parts(service, message) == (topic, None)


def test_a_share_revoked_through_the_sharing_api_sends_a_last_message(
        server: ServerProcess, alice: requests.Session, bob: requests.Session, book: str,
        service: PushService) -> None:
    mount = share_with_bob(server, alice, book)
    bob_subscribed_to_the_mount(server, bob, mount, service)
    deleted = alice.post(f"{server.url}/.sharing/v1/map/delete",
                         json={"PathOrToken": mount, "User": "bob"}, headers=JSON)
    assert deleted.status_code == 200, deleted.text
    [message] = settled(server, service, 1)
    assert parts(service, message)[1] is None


def test_a_share_revoked_through_the_json_api_sends_a_last_message(
        server: ServerProcess, alice: requests.Session, bob: requests.Session, book: str,
        service: PushService) -> None:
    mount = grant_by_cli(server, book)
    bob_subscribed_to_the_mount(server, bob, mount, service)
    revoked = alice.delete(f"{server.url}/api/v1/shares{path_of(server, book)}".rstrip("/"),
                           params={"to": "user:bob"}, headers=JSON)
    assert revoked.status_code == 204, revoked.text
    [message] = settled(server, service, 1)
    assert parts(service, message)[1] is None


def test_a_revoked_sharees_subscription_is_dropped_and_hears_of_no_later_change(
        server: ServerProcess, alice: requests.Session, bob: requests.Session, book: str,
        service: PushService) -> None:
    mount = grant_by_cli(server, book)
    location = bob_subscribed_to_the_mount(server, bob, mount, service)
    with push_service(server) as owners:
        assert register(alice, book, owners).status_code == 201
        server.cli("share", "revoke", path_of(server, book), "--to", "user:bob", check=True)
        settled(server, service, 1)
        put_card(alice, f"{book}later.vcf", vcard("push-later", "La Ter")).raise_for_status()
        settled(server, owners, 1)
    assert len(service.messages()) == 1
    assert bob.delete(f"{server.url}{location}").status_code == 404

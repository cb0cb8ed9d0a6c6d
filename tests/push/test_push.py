"""WebDAV-Push (issue 18 item 1) against a real server and a push service on 127.0.0.1
that decrypts what it gets as a browser would: the properties and DAV header a client
discovers, registration and unregistration, one encrypted, VAPID-signed message per
change from CardDAV, the CLI and a sharee, ``Push-Dont-Notify``, and a 410 dropping
the subscription.

One server for the module; each test has an address book and push service of its own.
"""

from __future__ import annotations

import itertools
import sqlite3
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from typing import Iterator

import pytest
import requests

from tests.push.push_service import SERVER_CONFIG, NS, Message, PushService, settled, vapid_signed
from tests.support.dav import make_addressbook, propfind, put_card, vcard
from tests.support.server import ServerProcess, configured_server

PUSH_PROPS = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:" '
              'xmlns:p="https://bitfire.at/webdav-push"><d:prop><p:transports/><p:topic/>'
              '<p:supported-triggers/><d:sync-token/></d:prop></d:propfind>')
XML = {"Content-Type": "application/xml; charset=utf-8"}
_BOOKS = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with configured_server(tmp_path_factory.mktemp("push"), SERVER_CONFIG,
                           {"alice": "alice-pw", "bob": "bob-pw"}) as process:
        yield process


@pytest.fixture
def service() -> Iterator[PushService]:
    with PushService() as started:
        yield started


@pytest.fixture
def book(server: ServerProcess, alice: requests.Session) -> str:
    """A fresh address book of alice's; its URL."""
    url = f"{server.url}/alice/book{next(_BOOKS)}/"
    make_addressbook(alice, url)
    return url


def register(session: requests.Session, url: str, service: PushService,
             expires: str = "") -> requests.Response:
    return session.post(url, data=service.register_body(expires).encode(), headers=XML)


def collection_props(session: requests.Session, url: str) -> dict[str, ET.Element]:
    """The 200 properties of the collection at ``url`` by local name."""
    answer = propfind(session, url, PUSH_PROPS, depth="0")
    assert answer.status_code == 207, answer.text
    found = {}
    for propstat in ET.fromstring(answer.content).iter("{DAV:}propstat"):
        if "200" in (propstat.findtext("{DAV:}status") or ""):
            for prop in propstat.find("{DAV:}prop") or []:
                found[prop.tag.rpartition("}")[2]] = prop
    return found


def content_update(service: PushService, message: Message) -> tuple[str, str]:
    """(topic, sync token) of a decrypted push-message."""
    root = service.decrypt(message)
    assert root.tag == f"{NS}push-message"
    return (root.findtext(f"{NS}topic") or "",
            root.findtext(f"{NS}content-update/{{DAV:}}sync-token") or "")


def test_the_dav_header_names_webdav_push(server: ServerProcess,
                                          alice: requests.Session) -> None:
    answer = alice.request("OPTIONS", f"{server.url}/alice/")
    assert "webdav-push" in answer.headers["DAV"]


def test_an_address_book_offers_web_push_with_the_servers_vapid_key(
        alice: requests.Session, book: str) -> None:
    props = collection_props(alice, book)
    key = props["transports"].find(f"{NS}web-push/{NS}vapid-public-key")
    assert key is not None and key.get("type") == "p256dh" and len(key.text or "") == 87
    assert props["topic"].text and props["supported-triggers"].find(
        f"{NS}content-update/{{DAV:}}sync-level") is not None


def test_a_home_listing_gives_each_address_book_its_own_topic(
        server: ServerProcess, alice: requests.Session, book: str) -> None:
    answer = propfind(alice, f"{server.url}/alice/", PUSH_PROPS, depth="1")
    topics = {response.findtext("{DAV:}href"): response.findtext(f".//{NS}topic")
              for response in ET.fromstring(answer.content).iter("{DAV:}response")}
    mine = topics[book[len(server.url):]]
    assert mine and not topics["/alice/"]  # the home: in the 404 propstat
    assert list(topics.values()).count(mine) == 1


def test_allprop_at_depth_0_includes_the_push_properties(
        alice: requests.Session, book: str) -> None:
    answer = propfind(alice, book, '<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/>'
                      '</propfind>', depth="0")
    assert ET.fromstring(answer.content).find(f".//{NS}transports/{NS}web-push") is not None


def test_an_expired_subscription_is_unknown(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    location = register(alice, book, service).headers["Location"]
    with sqlite3.connect(server.data_dir / "cms-dav.sqlite3") as conn:
        conn.execute("UPDATE push_subscriptions SET expires_at = 0 WHERE id = ?",
                     (location.rsplit("/", 1)[1],))
    assert alice.delete(f"{server.url}{location}").status_code == 404


def test_registration_answers_201_with_a_location_and_an_expiry_within_seven_days(
        alice: requests.Session, book: str, service: PushService) -> None:
    answer = register(alice, book, service, expires="Wed, 01 Jan 2048 00:00:00 GMT")
    assert answer.status_code == 201, answer.text
    assert "/.cms/push/" in answer.headers["Location"]
    expires = parsedate_to_datetime(answer.headers["Expires"]).timestamp()
    again = register(alice, book, service)
    assert again.status_code == 204 and again.headers["Location"] == answer.headers["Location"]
    assert expires - parsedate_to_datetime(answer.headers["Date"]).timestamp() <= 7 * 86400 + 5


def test_a_carddav_change_sends_one_encrypted_message_with_topic_and_sync_token(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    assert register(alice, book, service).status_code == 201
    assert put_card(alice, f"{book}ann.vcf", vcard("push-ann", "Ann Lee")).status_code == 201
    [message] = settled(server, service, 1)
    props = collection_props(alice, book)
    assert content_update(service, message) == (props["topic"].text,
                                                 props["sync-token"].text)
    assert message.headers["Content-Encoding"] == "aes128gcm"
    assert vapid_signed(message, props["transports"].findtext(
        f"{NS}web-push/{NS}vapid-public-key") or "")


def test_a_note_added_through_the_cli_sends_one_message(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    put_card(alice, f"{book}cli.vcf", vcard("push-cli", "Cli Mo")).raise_for_status()
    assert register(alice, book, service).status_code == 201
    server.cli("notes", "add", "push-cli", "--user", "alice", "--type", "call",
               "--text", "called", check=True)
    [message] = settled(server, service, 1)
    assert content_update(service, message)[1] == collection_props(alice, book)[
        "sync-token"].text


def share_with_bob(server: ServerProcess, alice: requests.Session, book: str) -> str:
    """alice shares ``book`` read-write with bob, who accepts it; his mount's path."""
    bob = server.session("bob", "bob-pw")
    bob.request("PROPFIND", f"{server.url}/bob/", headers={"Depth": "0"})
    source = book[len(server.url):]
    mount = f"/bob/{source.strip('/').replace('/', '-')}/"
    created = alice.post(f"{server.url}/.sharing/v1/map/create", json={
        "PathMapped": source, "PathOrToken": mount, "User": "bob", "Permissions": "rw",
        "Enabled": True, "Hidden": False}, headers={"Accept": "application/json"})
    assert created.status_code == 200, created.text
    for toggle in ("enable", "unhide"):
        bob.post(f"{server.url}/.sharing/v1/map/{toggle}", json={"PathOrToken": mount},
                 headers={"Accept": "application/json"}).raise_for_status()
    return mount


def test_a_change_by_a_sharee_through_the_mount_notifies_the_owner(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    bob = server.session("bob", "bob-pw")
    mount = share_with_bob(server, alice, book)
    assert register(alice, book, service).status_code == 201
    assert put_card(bob, f"{server.url}{mount}bob.vcf",
                    vcard("push-bob", "Bob Ba")).status_code == 201
    [message] = settled(server, service, 1)
    topic = collection_props(alice, book)["topic"].text
    assert content_update(service, message)[0] == topic
    assert collection_props(bob, f"{server.url}{mount}")["topic"].text == topic


def test_a_sharee_registered_on_the_mount_hears_of_the_owners_change(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    mount = share_with_bob(server, alice, book)
    assert register(server.session("bob", "bob-pw"), f"{server.url}{mount}",
                    service).status_code == 201
    put_card(alice, f"{book}own.vcf", vcard("push-own", "Own Er")).raise_for_status()
    [message] = settled(server, service, 1)
    assert content_update(service, message)[0] == collection_props(alice, book)["topic"].text


def test_push_dont_notify_spares_the_senders_own_subscription(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    with PushService() as other:
        own = register(alice, book, service).headers["Location"]
        assert register(alice, book, other).status_code == 201
        put_card(alice, f"{book}q.vcf", vcard("push-q", "Quiet Qi"),
                 **{"Push-Dont-Notify": f"{server.url}{own}"}).raise_for_status()
        settled(server, other, 1)
    assert service.messages() == []


def test_an_unregistered_subscription_gets_nothing_and_is_then_unknown(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    with PushService() as other:
        location = register(alice, book, service).headers["Location"]
        assert register(alice, book, other).status_code == 201
        assert alice.delete(f"{server.url}{location}").status_code == 204
        put_card(alice, f"{book}u.vcf", vcard("push-u", "Un Re")).raise_for_status()
        settled(server, other, 1)
    assert service.messages() == []
    assert alice.delete(f"{server.url}{location}").status_code == 404


def test_a_410_from_the_push_service_drops_the_subscription(
        server: ServerProcess, alice: requests.Session, book: str,
        service: PushService) -> None:
    service.status = 410
    location = register(alice, book, service).headers["Location"]
    put_card(alice, f"{book}g.vcf", vcard("push-g", "Gone Go")).raise_for_status()
    settled(server, service, 1)
    assert alice.delete(f"{server.url}{location}").status_code == 404


def test_bob_cannot_register_on_alices_book_he_may_not_read(
        server: ServerProcess, book: str, service: PushService) -> None:
    answer = register(server.session("bob", "bob-pw"), book, service)
    assert answer.status_code == 403 and service.messages() == []


def test_a_registration_without_client_keys_is_refused_naming_them(
        alice: requests.Session, book: str, service: PushService) -> None:
    body = service.register_body().replace("<auth-secret>", "<ignored>").replace(
        "</auth-secret>", "</ignored>")
    answer = alice.post(book, data=body.encode(), headers=XML)
    assert answer.status_code == 400 and "auth-secret" in answer.text


def test_a_registration_with_a_wrong_password_gets_radicales_challenge(
        server: ServerProcess, book: str, service: PushService) -> None:
    answer = register(server.session("alice", "wrong-pw"), book, service)
    assert answer.status_code == 401 and "Basic" in answer.headers["WWW-Authenticate"]

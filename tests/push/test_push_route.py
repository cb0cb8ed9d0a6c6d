"""The push route (issue 18 item 1) in the change's transaction, on SQLite and
PostgreSQL: one delivery per live subscription of the collection, none for those a
request's ``Push-Dont-Notify`` names, and changes coalesced while a delivery waits."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

import pytest
from sqlalchemy import select

from cms_dav.acl import share_table
from cms_dav.outbox import queue
from cms_dav.outbox.recorder import OutboxRecorder
from cms_dav.push import subscriptions
from cms_dav.push.route import PushRoute
from cms_dav.push.xml import Registration
from cms_dav.store.records import WriteOrigin
from cms_dav.store.schema import outbox_deliveries
from cms_dav.store.store import Store
from tests.outbox.test_outbox import card

BOOK = "alice/contacts"
KEY = "B" + "A" * 86


@dataclass
class Origins:
    """The origin of the next write: what a request's Push-Dont-Notify would give."""

    quiet: tuple[str, ...] = ()

    def __call__(self, user: str) -> WriteOrigin:
        return WriteOrigin(user=user, door="http", push_dont_notify=self.quiet)


@pytest.fixture
def origins() -> Origins:
    return Origins()


@pytest.fixture
def store(database_url: str, origins: Origins) -> Iterable[Store]:
    opened = Store.open(database_url, origin_of=origins,
                        change_feeds=(OutboxRecorder((PushRoute(),)),))
    opened.ensure_folder("alice", "alice")
    with opened.writing() as conn:
        from cms_dav.store import collections
        collections.create_tagged(conn, BOOK, {"tag": "VADDRESSBOOK"})
    yield opened
    opened.engine.dispose()


def subscribe(store: Store, user: str, resource: str) -> str:
    done, _ = subscriptions.register(store.engine, user, BOOK,
                                     Registration(resource, KEY, "A" * 22, None),
                                     time.time() + 3600, limit=10)
    return done.id


def targets(store: Store) -> list[str]:
    with store.reading() as conn:
        return sorted(conn.execute(select(outbox_deliveries.c.target)).scalars())


def test_each_subscription_of_the_collection_gets_one_delivery(store: Store) -> None:
    ids = sorted([subscribe(store, "alice", "https://push.example/a"),
                  subscribe(store, "bob", "https://push.example/b")])
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    assert targets(store) == ids


def test_push_dont_notify_star_skips_only_the_actors_subscriptions(
        store: Store, origins: Origins) -> None:
    subscribe(store, "alice", "https://push.example/a")
    bobs = subscribe(store, "bob", "https://push.example/b")
    origins.quiet = ("*",)
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    assert targets(store) == [bobs]


def test_changes_while_a_delivery_waits_add_no_second_delivery(store: Store) -> None:
    subscribe(store, "alice", "https://push.example/a")
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    store.put_item(BOOK, "c2.vcf", card("c2"), "alice")
    assert len(targets(store)) == 1


def test_a_change_while_a_delivery_is_being_sent_gets_its_own(store: Store) -> None:
    subscribe(store, "alice", "https://push.example/a")
    store.put_item(BOOK, "c1.vcf", card("c1"), "alice")
    assert queue.claim(store.engine, "push", "me", 30) is not None
    store.put_item(BOOK, "c2.vcf", card("c2"), "alice")
    assert len(targets(store)) == 2


def test_a_user_past_the_subscription_limit_is_refused(store: Store) -> None:
    subscribe(store, "alice", "https://push.example/a")
    with pytest.raises(subscriptions.TooManySubscriptions, match="at most 1"):
        subscriptions.register(store.engine, "alice", BOOK,
                               Registration("https://push.example/b", KEY, "A" * 22, None),
                               time.time() + 3600, limit=1)


def share_fields(user: str) -> dict[str, object]:
    return {"ShareType": "map", "PathOrToken": "/{user}/alice-contacts/",
            "PathMapped": f"/{BOOK}/", "Conversion": "none", "Owner": "alice",
            "User": user, "Permissions": "r", "EnabledByOwner": True, "EnabledByUser": True,
            "HiddenByOwner": False, "HiddenByUser": False}


def test_a_group_share_granted_reaches_one_subscription_per_device_of_each_member(
        database_url: str) -> None:
    members = {"sales": frozenset({"bob", "carol"})}
    store = Store.open(database_url, change_feeds=(OutboxRecorder((PushRoute(
        members=lambda group: members.get(group, frozenset())),)),))
    try:
        store.ensure_folder("alice", "alice")
        with store.writing() as conn:
            from cms_dav.store import collections
            collections.create_tagged(conn, BOOK, {"tag": "VADDRESSBOOK"})
        bobs_phone = subscribe(store, "bob", "https://push.example/bob-phone")
        subscriptions.register(store.engine, "bob", "bob/contacts",  # the same device
                               Registration("https://push.example/bob-phone", KEY, "A" * 22,
                                            None), time.time() + 3600, limit=10)
        carols = subscribe(store, "carol", "https://push.example/carol")
        subscribe(store, "dave", "https://push.example/dave")
        with store.writing() as conn:
            share_table.create(conn, "alice", share_fields(":sales"), store.change_feeds)
        assert targets(store) == sorted([bobs_phone, carols])
    finally:
        store.engine.dispose()

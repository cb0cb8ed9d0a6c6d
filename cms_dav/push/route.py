"""Which subscriptions an outbox event goes to, decided in the change's transaction.

Every live subscription to the event's collection, whoever holds it (owner, sharee,
group member: whether they may still read it is asked at send time, in
:mod:`.sender`, so a share revoked before then is respected), except those the
request's ``Push-Dont-Notify`` named (``*``: all of the acting user's).

A share granted or revoked (a ``collection.changed`` event with ``change`` "shared" /
"unshared") goes elsewhere: granted, to one subscription per push resource (device)
of the sharee (a group's members), whatever collection it watches, so the device
learns that its account changed; revoked, to the sharee's subscriptions to the shared
collection, which the sender then gives a last message and removes.

Coalescing: a subscription that still has an unsent, unclaimed delivery gets no second
one; the sender puts the collection's newest sync token in the message it sends, so
several changes in a row make one message (with ``[push] min_interval`` spacing them).
The pending rows are read ``FOR UPDATE`` so that on PostgreSQL a dispatcher cannot
claim one between this look and the commit (SQLite serializes writers anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import Connection, select

from cms_dav.outbox import queue
from cms_dav.outbox.events import COLLECTION_CHANGED, SHARED, UNSHARED, OutboxEvent
from cms_dav.push import CONSUMER, subscriptions
from cms_dav.store.schema import outbox_deliveries as deliveries


def share_change(event: OutboxEvent) -> str:
    """"shared" / "unshared" for an event of a share granted / revoked, else ""."""
    change = str(event.payload.get("change", "")) if event.kind == COLLECTION_CHANGED else ""
    return change if change in (SHARED, UNSHARED) else ""


def _no_members(group: str) -> frozenset[str]:
    return frozenset()


def _quiet(event: OutboxEvent, subscription: subscriptions.Subscription) -> bool:
    named = event.push_dont_notify
    return subscription.id in named or ("*" in named and subscription.user == event.actor)


@dataclass
class PushRoute:
    consumer: str = CONSUMER
    #: the members of a rights-file group (``Policy.members``), for group shares
    members: Callable[[str], frozenset[str]] = field(default=_no_members)

    def active(self, conn: Connection) -> bool:
        """No subscription at all: a change costs no push event."""
        return subscriptions.any_exist(conn)

    def targets(self, conn: Connection, event: OutboxEvent) -> Iterable[str]:
        if share_change(event):
            return self._share_targets(conn, event)
        wanted = [each.id for each in subscriptions.live_for(conn, event.collection,
                                                              event.created_at)
                  if not _quiet(event, each)]
        if not wanted:
            return []
        waiting = set(conn.execute(
            select(deliveries.c.target).where(
                deliveries.c.consumer == self.consumer, deliveries.c.state == queue.PENDING,
                deliveries.c.claimed_until < event.created_at,
                deliveries.c.target.in_(wanted)).with_for_update()).scalars())
        return [each for each in wanted if each not in waiting]

    def _share_targets(self, conn: Connection, event: OutboxEvent) -> list[str]:
        """Never coalesced: a waiting content message would not tell of the share."""
        sharee = str(event.payload.get("sharee", ""))
        if sharee.startswith(":"):
            users = set(self.members(sharee[1:]))
        elif sharee and not sharee.startswith("@"):
            users = {sharee}
        else:
            return []  # a realm-wide share: nobody in particular to tell
        users.discard(event.owner)
        if share_change(event) == UNSHARED:
            return [each.id for each in subscriptions.live_for(conn, event.collection,
                                                                event.created_at)
                    if each.user in users and not _quiet(event, each)]
        devices: dict[str, str] = {}
        for each in subscriptions.live_of(conn, sorted(users), event.created_at):
            if not _quiet(event, each):
                devices.setdefault(each.push_resource, each.id)
        return sorted(devices.values())

"""Which subscriptions an outbox event goes to, decided in the change's transaction.

Every live subscription to the event's collection, whoever holds it (owner, sharee,
group member: whether they may still read it is asked at send time, in
:mod:`.sender`, so a share revoked before then is respected), except those the
request's ``Push-Dont-Notify`` named (``*``: all of the acting user's).

Coalescing: a subscription that still has an unsent, unclaimed delivery gets no second
one; the sender puts the collection's newest sync token in the message it sends, so
several changes in a row make one message (with ``[push] min_interval`` spacing them).
The pending rows are read ``FOR UPDATE`` so that on PostgreSQL a dispatcher cannot
claim one between this look and the commit (SQLite serializes writers anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Connection, select

from cms_dav.outbox import queue
from cms_dav.outbox.events import OutboxEvent
from cms_dav.push import CONSUMER, subscriptions
from cms_dav.store.schema import outbox_deliveries as deliveries


def _quiet(event: OutboxEvent, subscription: subscriptions.Subscription) -> bool:
    named = event.push_dont_notify
    return subscription.id in named or ("*" in named and subscription.user == event.actor)


@dataclass
class PushRoute:
    consumer: str = CONSUMER

    def active(self, conn: Connection) -> bool:
        """No subscription at all: a change costs no push event."""
        return subscriptions.any_exist(conn)

    def targets(self, conn: Connection, event: OutboxEvent) -> Iterable[str]:
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

"""The store's change feed that writes the outbox, in the change's transaction.

Fan-out happens here, at write time: each :class:`Route` (one per consumer: webhooks,
push) names the targets an event is for, and every (event, target) pair gets its own
delivery row. Dispatchers then claim due rows instead of following a "last seen id"
cursor, which would skip events on PostgreSQL, where transactions commit out of id order.
An event no route wants is not stored at all, and while no route is active (no
webhook endpoint, no push subscription) a change costs one small query per route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence

from sqlalchemy import Connection

from cms_dav.outbox.changes import collection_event, item_events, share_event
from cms_dav.outbox.events import OutboxEvent
from cms_dav.store.records import CollectionRecord, ItemRecord, WriteOrigin
from cms_dav.store.schema import outbox_deliveries, outbox_events


class Route(Protocol):
    """One consumer's interest: which of its targets an event goes to."""

    #: the consumer's name in ``outbox_deliveries.consumer`` (e.g. "webhook", "push")
    consumer: str

    def active(self, conn: Connection) -> bool:
        """Whether any target may want any event now (one cheap query); when no route
        is active, a change costs no event at all."""

    def targets(self, conn: Connection, event: OutboxEvent) -> Iterable[str]:
        """The targets (e.g. webhook endpoint ids) ``event`` is for, read in the
        change's transaction."""


def enqueue(conn: Connection, event: OutboxEvent,
            deliveries: Sequence[tuple[str, str]]) -> int:
    """Store ``event`` and one pending delivery per (consumer, target); its id."""
    event_id = int(conn.execute(outbox_events.insert().values(
        kind=event.kind, collection=event.collection, href=event.href, owner=event.owner,
        actor=event.actor, door=event.door, sync_token=event.sync_token,
        payload=event.payload_json(), created_at=event.created_at)
        .returning(outbox_events.c.id)).scalar_one())
    conn.execute(outbox_deliveries.insert(), [
        {"event_id": event_id, "consumer": consumer, "target": target, "state": "pending",
         "attempts": 0, "next_at": event.created_at, "claimed_until": 0.0,
         "claimed_by": "", "last_error": ""}
        for consumer, target in deliveries])
    return event_id


@dataclass(frozen=True)
class OutboxRecorder:
    """A :class:`~cms_dav.store.change_feed.ChangeFeed` writing events for ``routes``."""

    routes: Sequence[Route] = ()

    def item_changed(self, conn: Connection, origin: WriteOrigin,
                     collection: CollectionRecord, new: ItemRecord | None,
                     old: ItemRecord | None) -> None:
        routes = self._active(conn)
        if routes:
            self.record(conn, item_events(conn, origin, collection, new, old), routes)

    def collection_changed(self, conn: Connection, origin: WriteOrigin, path: str,
                           change: str) -> None:
        routes = self._active(conn)
        if routes:
            self.record(conn, [collection_event(conn, origin, path, change)], routes)

    def share_changed(self, conn: Connection, origin: WriteOrigin, path: str, sharee: str,
                      change: str) -> None:
        routes = self._active(conn)
        if routes:
            self.record(conn, [share_event(conn, origin, path, sharee, change)], routes)

    def listening(self, conn: Connection) -> bool:
        """Whether an item change would record anything now (``Store.put_items`` asks
        once per batch; the batch's transaction holds the write lock on SQLite)."""
        return bool(self._active(conn))

    def _active(self, conn: Connection) -> list[Route]:
        return [route for route in self.routes if route.active(conn)]

    def record(self, conn: Connection, events: Iterable[OutboxEvent],
               routes: Sequence[Route]) -> None:
        for event in events:
            deliveries = [(route.consumer, target) for route in routes
                          for target in route.targets(conn, event)]
            if deliveries:
                enqueue(conn, event, deliveries)

"""Which endpoints an event is for, decided in the change's transaction: enabled, the
event's kind among theirs, and their collection (if they named one) the event's.
Whether the endpoint's owner may read the collection is asked at delivery time
(:mod:`.sender`), so rights taken away before then are respected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Connection

from cms_dav.outbox.events import OutboxEvent
from cms_dav.webhooks import CONSUMER, endpoints


@dataclass
class WebhookRoute:
    consumer: str = CONSUMER

    def active(self, conn: Connection) -> bool:
        return endpoints.any_enabled(conn)

    def targets(self, conn: Connection, event: OutboxEvent) -> Iterable[str]:
        return [str(endpoint.id) for endpoint in endpoints.enabled(conn)
                if endpoint.wants(event.kind, event.collection)]

"""An outbox event: one fact about one change, as every consumer receives it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

CONTACT_CREATED = "contact.created"
CONTACT_UPDATED = "contact.updated"
CONTACT_DELETED = "contact.deleted"
INTERACTION_ADDED = "interaction.added"
#: a calendar object (event, task...) was created, replaced or deleted
OBJECT_CHANGED = "object.changed"
#: a collection changed as a whole (deleted, properties, replaced, shared, unshared)
COLLECTION_CHANGED = "collection.changed"
#: the ``change`` of a collection.changed event for a share granted / revoked
SHARED, UNSHARED = "shared", "unshared"

#: every kind, in the order the documentation lists them
KINDS = (CONTACT_CREATED, CONTACT_UPDATED, CONTACT_DELETED, INTERACTION_ADDED,
         OBJECT_CHANGED, COLLECTION_CHANGED)


@dataclass(frozen=True)
class OutboxEvent:
    """One change, as stored in ``outbox_events`` (``id`` 0 until it is stored).

    ``collection`` is the stored path (``alice/contacts``, no slashes around), ``owner``
    the collection's owner (first path segment), ``actor`` who made the change and
    ``door`` through which ("http", "cli"...); ``sync_token`` the collection's RFC 6578
    token right after the change ("" for a change that has none)."""

    kind: str
    collection: str
    created_at: float
    href: str = ""
    owner: str = ""
    actor: str = ""
    door: str = ""
    sync_token: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    id: int = 0
    #: the write's ``WriteOrigin.push_dont_notify``: read by the push route while it
    #: fans out, never stored
    push_dont_notify: tuple[str, ...] = ()

    def payload_json(self) -> str:
        return json.dumps(dict(self.payload), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_row(cls, row: Any) -> "OutboxEvent":
        return cls(id=row.id, kind=row.kind, collection=row.collection, href=row.href,
                   owner=row.owner, actor=row.actor, door=row.door,
                   sync_token=row.sync_token, payload=json.loads(row.payload),
                   created_at=row.created_at)

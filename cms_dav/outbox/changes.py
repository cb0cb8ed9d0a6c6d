"""What events one change is: the store tells the recorder of a change; this module
names it.

A vCard written is ``contact.created`` or ``contact.updated``, plus one
``interaction.added`` per X-CMS-INTERACTION entry whose id the stored card did not have
(a ``notes add``, or a client adding one: compared on ids, so a client re-sending the
history adds nothing); a vCard deleted (or moved away) is ``contact.deleted``. Any other
item (calendar objects) is ``object.changed``; a change to a collection as a whole is
``collection.changed``; so is a share granted or revoked (``change`` "shared" or
"unshared", with the ``sharee``: a user or ``:group``). Each event carries the
collection's sync token after the change.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select

from cms_dav.contacts.card_fields import CardFields, extract_fields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import Interaction
from cms_dav.outbox import events as kinds
from cms_dav.outbox.events import OutboxEvent
from cms_dav.store import sync
from cms_dav.store.records import CollectionRecord, ItemRecord, WriteOrigin
from cms_dav.store.schema import collections


def _card(item: ItemRecord | None) -> CardFields | None:
    if item is None or item.name != "VCARD" or item.text is None:
        return None
    try:
        return extract_fields(item.text)
    except (ContactError, ValueError):
        return None  # a card the contacts layer cannot read still gets its event


def contact_summary(item: ItemRecord, card: CardFields | None) -> dict[str, Any]:
    """The contact as a receiver needs it to decide what to fetch: UID, names, ETag."""
    summary: dict[str, Any] = {"uid": item.uid, "etag": item.etag}
    if card is not None:
        summary.update(name=card.display_name, organization=card.orgs[0] if card.orgs else "",
                       emails=card.emails[:5], is_group=card.is_group)
    return summary


def interaction_summary(entry: Interaction) -> dict[str, Any]:
    return {"id": entry.id, "kind": entry.kind, "at": entry.at.isoformat(),
            "author": entry.author, "text": entry.text,
            "follow_up": entry.follow_up.isoformat() if entry.follow_up else None}


def sync_token(conn: Connection, collection: CollectionRecord) -> str:
    """The collection's token after the change (its row is locked by this write)."""
    seq = conn.execute(select(collections.c.sync_seq)
                       .where(collections.c.id == collection.id)).scalar()
    return sync.make_token(collection.sync_epoch, int(seq)) if seq is not None else ""


def item_events(conn: Connection, origin: WriteOrigin, collection: CollectionRecord,
                new: ItemRecord | None, old: ItemRecord | None) -> list[OutboxEvent]:
    """The events of one item change (see the module docstring)."""
    item = new if new is not None else old
    assert item is not None
    event = OutboxEvent(kind="", collection=collection.path, href=item.href,
                        owner=collection.owner, actor=origin.user, door=origin.door,
                        created_at=time.time(), sync_token=sync_token(conn, collection),
                        push_dont_notify=origin.push_dont_notify)
    if item.name != "VCARD":
        action = "deleted" if new is None else ("created" if old is None else "updated")
        return [replace(event, kind=kinds.OBJECT_CHANGED,
                        payload={"uid": item.uid, "component": item.component,
                                 "etag": item.etag, "action": action})]
    card = _card(item)
    if new is None:
        return [replace(event, kind=kinds.CONTACT_DELETED,
                        payload={"contact": contact_summary(item, card)})]
    contact = contact_summary(new, card)
    found = [replace(event, kind=kinds.CONTACT_CREATED if old is None
                     else kinds.CONTACT_UPDATED, payload={"contact": contact})]
    before = _card(old)
    known = {entry.id for entry in before.interactions} if before is not None else set()
    for entry in card.interactions if card is not None else ():
        if entry.id not in known:
            found.append(replace(event, kind=kinds.INTERACTION_ADDED,
                                 payload={"contact": contact,
                                          "interaction": interaction_summary(entry)}))
    return found


def collection_event(conn: Connection, origin: WriteOrigin, path: str,
                     change: str) -> OutboxEvent:
    record_token = ""
    if change != "deleted":
        row = conn.execute(select(collections.c.sync_seq, collections.c.sync_epoch)
                           .where(collections.c.path == path)).first()
        if row is not None:
            record_token = sync.make_token(row.sync_epoch, int(row.sync_seq))
    return OutboxEvent(kind=kinds.COLLECTION_CHANGED, collection=path,
                       owner=path.split("/", 1)[0], actor=origin.user, door=origin.door,
                       created_at=time.time(), sync_token=record_token,
                       payload={"change": change}, push_dont_notify=origin.push_dont_notify)


def share_event(conn: Connection, origin: WriteOrigin, path: str, sharee: str,
                change: str) -> OutboxEvent:
    """A share of ``path`` granted to (``change`` "shared") or revoked from ("unshared")
    ``sharee``, with the collection's current token."""
    event = collection_event(conn, origin, path, "props")
    return replace(event, payload={"change": change, "sharee": sharee})

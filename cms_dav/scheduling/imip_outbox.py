"""iMIP messages into the durable outbox, in the organizer's write transaction.

A :class:`~cms_dav.store.change_feed.ChangeFeed` rather than an outbox
:class:`~cms_dav.outbox.recorder.Route`: what to send depends on the item's old and new
text, which the outbox's shared events do not carry (webhooks must not see calendar
text). It stores one event (kind ``imip.REQUEST`` / ``imip.CANCEL``, the iTIP object
in its payload) with one delivery per external attendee (consumer ``imip``); the
dispatcher sends them off the request path (:mod:`.imip_sender`), so a crash neither
loses nor invents a message.

Only the organizer's own CalDAV writes (door ``http``, into their own calendar, the
ORGANIZER one of their addresses) send: an import, a restore, a copy scheduling wrote
for an attendee or an answer it recorded do not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, select

from cms_dav.auth.addresses import EMAILS_PREFERENCE
from cms_dav.outbox.events import OutboxEvent
from cms_dav.outbox.recorder import enqueue
from cms_dav.scheduling import imip
from cms_dav.scheduling.addresses import MAILTO, normalized
from cms_dav.scheduling.mailboxes import INBOX
from cms_dav.store.records import CollectionRecord, ItemRecord, WriteOrigin
from cms_dav.store.schema import user_preferences

CONSUMER = "imip"
KIND_PREFIX = "imip."


def _local_addresses(conn: Connection) -> dict[str, str]:
    """Every user's ``mailto:`` address → the user, read in the write's transaction."""
    found: dict[str, str] = {}
    for user, value in conn.execute(select(user_preferences.c.user_name,
                                           user_preferences.c.value)
                                    .where(user_preferences.c.name == EMAILS_PREFERENCE)):
        for email in str(value).split(","):
            if email:
                found[normalized(MAILTO + email)] = str(user)
    return found


@dataclass(frozen=True)
class ImipRecorder:
    """Writes iMIP outbox events; ``max_recipients`` bounds one message's deliveries."""

    max_recipients: int

    def item_changed(self, conn: Connection, origin: WriteOrigin,
                     collection: CollectionRecord, new: ItemRecord | None,
                     old: ItemRecord | None) -> None:
        item = new if new is not None else old
        if item is None or item.name != "VCALENDAR" or origin.door != "http" or \
                origin.user != collection.owner or collection.path.endswith(f"/{INBOX}"):
            return
        texts = [each.text for each in (new, old) if each is not None and each.text]
        if not any("ATTENDEE" in text and "ORGANIZER" in text for text in texts):
            return  # most events: no scheduling, no query
        local = _local_addresses(conn)
        mine = {address for address, user in local.items() if user == collection.owner}
        found = imip.messages(new.text if new else None, old.text if old else None,
                              lambda address: address not in local, self.max_recipients)
        for message in found:
            if message.organizer not in mine:
                continue  # the owner is not the organizer: an attendee's copy
            event = OutboxEvent(
                kind=KIND_PREFIX + message.method, collection=collection.path,
                href=item.href, owner=collection.owner, actor=origin.user,
                door=origin.door, created_at=time.time(),
                payload={"method": message.method, "organizer": message.organizer,
                         "summary": message.summary, "calendar": message.calendar})
            enqueue(conn, event, [(CONSUMER, recipient) for recipient in message.recipients])

    def collection_changed(self, conn: Connection, origin: WriteOrigin, path: str,
                           change: str) -> None:
        """A calendar deleted as a whole sends nothing (as a client's bulk delete would
        not: only item DELETEs cancel)."""

    def share_changed(self, conn: Connection, origin: WriteOrigin, path: str, sharee: str,
                      change: str) -> None:
        """Sharing a calendar invites nobody: iMIP follows the events' attendees only."""

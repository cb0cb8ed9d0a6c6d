"""A user's scheduling inbox and outbox (RFC 6638 §2.2-2.1), created on first use.

Both are stored as calendar collections, so Radicale lets their owner (and only them)
read them like their own calendars; clients see them by their RFC 6638 resource types
(:mod:`cms_dav.wsgi.scheduling_mailboxes`), never as calendars. The outbox holds no
items: it takes only POSTs (free-busy), a PUT into it is refused."""

from __future__ import annotations

import logging

from cms_dav.store.store import Store

logger = logging.getLogger(__name__)

INBOX, OUTBOX = "inbox", "outbox"
#: the inbox holds iTIP messages as calendar objects; the outbox only takes POSTs
PROPS = {INBOX: {"tag": "VCALENDAR", "D:displayname": "Scheduling inbox",
                 "C:supported-calendar-component-set": "VEVENT,VTODO,VFREEBUSY"},
         OUTBOX: {"tag": "VCALENDAR", "D:displayname": "Scheduling outbox",
                  "C:supported-calendar-component-set": "VFREEBUSY"}}


def ensure_mailboxes(store: Store, user: str) -> None:
    """Make ``user``'s inbox and outbox unless they exist (a lost race is harmless)."""
    if store.collection(user) is None:
        return
    for name, props in PROPS.items():
        path = f"{user}/{name}"
        found = store.collection(path)
        if found is not None and found.tag != props["tag"] and not found.props.get("tag"):
            # an outbox made before it was a calendar collection (untagged: unreadable)
            store.set_props(path, props, user)
        if found is not None:
            continue
        try:
            store.replace_collection(path, props, (), user)
        except Exception:  # noqa: BLE001 - quota or a concurrent creation
            logger.info("scheduling: %s not created", path, exc_info=True)

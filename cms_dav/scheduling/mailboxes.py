"""A user's scheduling inbox and outbox (RFC 6638 §2.2-2.1), created on first use."""

from __future__ import annotations

import logging

from cms_dav.store.store import Store

logger = logging.getLogger(__name__)

INBOX, OUTBOX = "inbox", "outbox"
#: the inbox holds iTIP messages as calendar objects; the outbox only takes POSTs
PROPS = {INBOX: {"tag": "VCALENDAR", "D:displayname": "Scheduling inbox",
                 "C:supported-calendar-component-set": "VEVENT,VTODO,VFREEBUSY"},
         OUTBOX: {"D:displayname": "Scheduling outbox"}}


def ensure_mailboxes(store: Store, user: str) -> None:
    """Make ``user``'s inbox and outbox unless they exist (a lost race is harmless)."""
    if store.collection(user) is None:
        return
    for name, props in PROPS.items():
        path = f"{user}/{name}"
        if store.collection(path) is not None:
            continue
        try:
            store.replace_collection(path, props, (), user)
        except Exception:  # noqa: BLE001 - quota or a concurrent creation
            logger.info("scheduling: %s not created", path, exc_info=True)

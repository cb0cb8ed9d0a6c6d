"""A user's e-mail addresses (their CalDAV calendar user addresses, RFC 6638 §2.4.1):
set by the administrator with ``cms-dav user set NAME --email ADDRESS``, kept as the
user preference ``emails``. Principal search finds users by them."""

from __future__ import annotations

import re
from typing import Sequence

from cms_dav.store.store import Store

#: the user preference holding the addresses, comma-separated
EMAILS_PREFERENCE = "emails"
#: one plain address: local@domain, no spaces or commas, at most 254 characters
EMAIL = re.compile(r"(?=.{3,254}$)[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")


def emails_of(store: Store, user: str) -> tuple[str, ...]:
    value = store.preference(user, EMAILS_PREFERENCE) or ""
    return tuple(email for email in value.split(",") if email)


def set_emails(store: Store, user: str, emails: Sequence[str], actor: str) -> None:
    """Replace ``user``'s addresses; ValueError names the first that is not one."""
    for email in emails:
        if not EMAIL.fullmatch(email):
            raise ValueError(f"not an e-mail address: {email!r}")
    store.set_preference(user, EMAILS_PREFERENCE, ",".join(emails), actor)

"""Calendar user addresses (RFC 6638 §2.4.1) and the users they belong to.

A user's addresses are ``mailto:`` URIs of the e-mail addresses the administrator set
(:mod:`cms_dav.auth.addresses`) plus their principal URL; an address resolves to a
local user when exactly that user has it."""

from __future__ import annotations

from cms_dav.auth.addresses import emails_of
from cms_dav.auth.directory import UserDirectory
from cms_dav.store.store import Store

MAILTO = "mailto:"


def normalized(address: str) -> str:
    """An address compared case-insensitively, ``mailto:`` scheme made lower case."""
    address = address.strip()
    if address[:len(MAILTO)].lower() == MAILTO:
        return MAILTO + address[len(MAILTO):].lower()
    return address


class Addresses:
    """Address ↔ user lookups over the user directory and the users' e-mail settings."""

    def __init__(self, users: UserDirectory, store: Store) -> None:
        self.users = users
        self.store = store

    def of(self, user: str, prefix: str = "") -> tuple[str, ...]:
        """``user``'s addresses: their mailto: URIs, then their principal URL."""
        mails = tuple(MAILTO + email for email in emails_of(self.store, user))
        return (*mails, f"{prefix}/{user}/")

    def user_of(self, address: str) -> str | None:
        """The local user whose address ``address`` is, or None (an external one)."""
        wanted = normalized(address)
        if not wanted.startswith(MAILTO):
            name = wanted.rstrip("/").rpartition("/")[2]
            return name if wanted.endswith(f"/{name}/") and self.users.exists(name) else None
        for user in self.users.names():
            if wanted in (normalized(mine) for mine in self.of(user)):
                return user
        return None

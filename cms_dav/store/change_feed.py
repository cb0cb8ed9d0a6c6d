"""Who hears about a change inside its write transaction, with who made it.

Write hooks (:class:`cms_dav.store.store.WriteHook`) keep derived data in step and need
no actor; a :class:`ChangeFeed` records what happened for the world outside the process
(the outbox of :mod:`cms_dav.outbox`: webhooks, push). It runs in the change's own
transaction, so a crash either keeps both the change and its record or neither.
The store calls it for item writes and collection changes; every door that grants or
revokes a share (sharing API, CLI, JSON API: :mod:`cms_dav.acl.share_table`) calls
:meth:`ChangeFeed.share_changed` in the share change's transaction.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection

from cms_dav.store.records import CollectionRecord, ItemRecord, WriteOrigin


class ChangeFeed(Protocol):
    """Told of every change, in the change's transaction (``conn``)."""

    def item_changed(self, conn: Connection, origin: WriteOrigin,
                     collection: CollectionRecord, new: ItemRecord | None,
                     old: ItemRecord | None) -> None:
        """An item was created (``old`` None), replaced, or deleted (``new`` None)."""

    def collection_changed(self, conn: Connection, origin: WriteOrigin, path: str,
                           change: str) -> None:
        """Collection ``path`` changed as a whole: ``change`` is "created" (with its
        items, MKCOL/PUT of a collection), "replaced", "props" or "deleted"."""

    def share_changed(self, conn: Connection, origin: WriteOrigin, path: str, sharee: str,
                      change: str) -> None:
        """Collection ``path`` (stored, "alice/book") was shared with ``sharee`` (a user,
        or ``:group``) and is now visible to them (``change`` "shared"), or that share
        was revoked or disabled ("unshared")."""


class QuietFeed(Protocol):
    """A feed that can tell it would record nothing now (no webhook endpoint, no push
    subscription): ``Store.put_items`` asks once per batch and then leaves it out of the
    batch's writes, instead of asking for each item."""

    def listening(self, conn: Connection) -> bool: ...

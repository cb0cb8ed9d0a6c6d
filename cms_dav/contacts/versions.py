"""A contact's stored versions: list them, show one, make one current again
(``cms-dav history``).

The current version is the item; every earlier one is a ``history`` row (kept by the
store when a write replaced it, pruned by :mod:`cms_dav.store.retention`). A history
row records the write that *ended* its version (who, when, from which door): so the
author and time of a version are those of the row before it, and the current
version's are those of the newest row. The oldest kept version's author is unknown.

A restore writes the old text through :meth:`Store.put_item` like any edit: a new
ETag, a sync-log entry clients see in their next ``sync-collection`` (RFC 6578), a
history row for the version it replaces and an audit entry "restore". It is written
without the upload filters, so the restored text is byte-for-byte the stored one
(interaction notes added since go too, as in every version).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from cms_dav.acl import access
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.notes import ContactNotFound, current_card, resolve
from cms_dav.contacts.query import Contact
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.contacts.version_diff import summarize
from cms_dav.store.records import ItemData
from cms_dav.store.schema import history
from cms_dav.store.store import Store

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy

CURRENT = "current"
#: the audit action of a restore (``Store.put_item(audit_action=...)``)
AUDIT_ACTION = "restore"


class VersionError(ContactError):
    """No such version, or it cannot be restored."""


@dataclass(frozen=True)
class Version:
    """One version of a contact; ``number`` is the history row id, or "current"."""

    number: str
    uid: str
    etag: str
    text: str
    #: when and by whom (through which door) this version was written; None/"" unknown
    written_at: float | None
    author: str
    door: str
    #: how it ended: "replaced", "deleted", "moved"; "" for the current version
    ended: str
    summary: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"version": self.number, "at": self.written_at, "author": self.author,
                "door": self.door, "etag": self.etag, "ended": self.ended,
                "summary": self.summary}


def _door(row: Any) -> str:
    """The door ("http", "cli") of the write a history row records; "" before migration
    0007 recorded it."""
    return str(row.door or "")


def versions(store: Store, contact: Contact) -> list[Version]:
    """Every kept version of ``contact``, newest (current) first, each with a summary of
    what it changed compared with the version before it."""
    current, text = current_card(store, contact)
    with store.reading() as conn:
        rows = conn.execute(select(history).where(
            history.c.collection_path == contact.book, history.c.href == contact.href)
            .order_by(history.c.id)).all()
    found: list[Version] = []
    previous: Any = None
    for row in rows:
        found.append(_version(str(row.id), row.uid, row.etag, row.text, previous,
                              row.action))
        previous = row
    found.append(_version(CURRENT, current.uid, current.etag, text, previous, ""))
    earlier: list[str | None] = [None] + [v.text for v in found[:-1]]
    return [replace(v, summary=summarize(before, v.text))
            for v, before in reversed(list(zip(found, earlier, strict=True)))]


def _version(number: str, uid: str, etag: str, text: str, previous: Any,
             ended: str) -> Version:
    # the row before this version records the write that made it, unless that write
    # deleted or moved the item (then this version was written by an unrecorded create)
    known = previous is not None and previous.action == "replaced"
    return Version(number=number, uid=uid, etag=etag, text=text,
                   written_at=previous.at if known else None,
                   author=previous.actor if known else "",
                   door=_door(previous) if known else "", ended=ended)


def find_version(store: Store, contact: Contact, number: str) -> Version:
    for version in versions(store, contact):
        if version.number == number.strip():
            return version
    raise VersionError(f"no version {number!r} of {contact.fn} (/{contact.book}/"
                       f"{contact.href}); see: cms-dav history {contact.uid}")


def list_versions(store: Store, policy: "Policy", default_region: str, user: str | None,
                  reference: str) -> tuple[Contact, list[Version]]:
    """The versions of the contact ``reference`` names among the books ``user`` may read."""
    contact = resolve(store, policy, default_region, user, reference)
    return contact, versions(store, contact)


def show_version(store: Store, policy: "Policy", default_region: str, user: str | None,
                 reference: str, number: str) -> tuple[Contact, Version]:
    contact = resolve(store, policy, default_region, user, reference)
    return contact, find_version(store, contact, number)


def restore_version(store: Store, policy: "Policy", default_region: str, user: str | None,
                    reference: str, number: str) -> tuple[Contact, Version, bool]:
    """Make version ``number`` current through the store's write path; returns whether
    anything was written (False: that text is already current). Raises
    ``access.AccessDenied`` when ``user`` may read but not write the address book."""
    contact = resolve(store, policy, default_region, user, reference)
    access.require(policy, user, contact.book, "w")
    actor = access.actor_name(user)
    with store.locked([contact.book]):
        version = find_version(store, contact, number)
        record = store.collection(contact.book)
        current = store.item(record.id, contact.href) if record else None
        if current is None:
            raise ContactNotFound(f"contact /{contact.book}/{contact.href} vanished")
        if version.number == CURRENT or current.text == version.text:
            return contact, version, False
        data = ItemData(text=version.text, uid=version.uid, etag=etag_of(version.text),
                        name=current.name, component=current.component,
                        time_start=current.time_start, time_end=current.time_end)
        store.put_item(contact.book, contact.href, data, actor, apply_filters=False,
                       audit_action=AUDIT_ACTION, audit_kind="restore",
                       audit_detail={"version": version.number, "etag_then": version.etag})
    return contact, version, True

"""The web app's view of the trash (:mod:`cms_dav.io.trash`): the caller's deleted
contacts, only in address books the ACL policy lets them write (restoring is a write,
RFC 6352 §6.3.2), each read by a keyed, bounded query and named by its card's FN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from fastapi import Request

from cms_dav.api import access
from cms_dav.api.auth import Door
from cms_dav.api.problems import ApiProblem
from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.query import address_books
from cms_dav.io.trash import TrashEntry, TrashError, deleted_item, deleted_items, deleted_text
from cms_dav.web.render import services_of

#: the most deleted contacts the trash page lists (newest first)
MAX_LISTED = 50


@dataclass(frozen=True)
class Deleted:
    id: str
    name: str
    book: str
    deleted_at: float
    actor: str

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.deleted_at, timezone.utc)


def _name(door: Door, entry: TrashEntry) -> str:
    try:
        return extract_fields(deleted_text(door.store, entry)).display_name or entry.href
    except ContactError:
        return entry.href


def listed(request: Request, door: Door) -> list[Deleted]:
    """The newest deleted contacts of every book the caller may write."""
    if door.caller.read_only:
        return []
    api = services_of(request).api
    with api.store.reading() as conn:
        paths = [book.path for book in address_books(conn, api.policy, door.user, need="w")]
    return [Deleted(entry.id, _name(door, entry), entry.path, entry.deleted_at, entry.actor)
            for entry in deleted_items(door.store, paths, MAX_LISTED)]


def writable_entry(door: Door, entry_id: str) -> TrashEntry:
    """The deleted contact ``entry_id`` if the caller may write its book (404 when it
    is not there or not theirs to know of, 403 when they may only read the book)."""
    try:
        entry = deleted_item(door.store, entry_id)
    except TrashError as exc:
        raise ApiProblem(404, str(exc)) from None
    owner, _, book = entry.path.partition("/")
    if not owner or not book or "/" in book:
        raise ApiProblem(404, f"no trash entry {entry_id!r}")
    if door.caller.read_only:
        raise ApiProblem(403, "this sign-in is read-only (an app password of scope \"read\")")
    access.collection(door, owner, book, need="w")
    return entry


def undo_notice(door: Door, entry_id: str) -> Deleted | None:
    """The "Deleted X — Undo" notice after a delete; None when there is nothing the
    caller could undo (restored meanwhile, or not theirs)."""
    try:
        entry = writable_entry(door, entry_id)
    except ApiProblem:
        return None
    return Deleted(entry.id, _name(door, entry), entry.path, entry.deleted_at, entry.actor)

"""Interaction notes on stored contacts: the operations behind ``cms-dav notes``.

A note is written into the contact's vCard through the store, so the sync log,
history, audit trail and search index change in the same transaction and every
client sees the note on its next sync. Each operation holds the address book's
write lock, the one HTTP writers take, so a concurrent PUT is never lost.

The history rules of issue 14 item 5 hold here too: a new note is recorded under the
acting user at the server's time (``--at`` is kept as the claimed time), and only its
author or an admin may remove one. The cards are written ``attested`` (made by the
server from stored text), so the upload filter keeps their history as given and
renders the NOTE timeline block anew.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from typing import TYPE_CHECKING

from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import (Interaction, add_interaction, interaction_ids,
                                           mark_done, mark_open, parse_interactions, recorded,
                                           remove_interaction)
from cms_dav.contacts.vcard_lines import card_lines
from cms_dav.contacts.query import Contact, address_books, find_contact
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.store.records import ItemData, ItemRecord
from cms_dav.store.store import Store

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy


class ContactNotFound(ContactError):
    pass


class NoteRemovalDenied(ContactError):
    """Only a note's author or an admin may remove it."""


class AmbiguousContact(ContactError):
    """Several cards match; ``candidates`` lets the caller list them."""

    def __init__(self, reference: str, candidates: list[Contact]) -> None:
        super().__init__(f"{reference!r} matches {len(candidates)} contacts; "
                         "use the UID, e-mail or phone of one of them")
        self.candidates = candidates


def resolve(store: Store, policy: "Policy", default_region: str, user: str | None,
            reference: str, need: str = "r") -> Contact:
    """The one contact ``reference`` names among the books ``user`` may ``need``."""
    with store.reading() as conn:
        books = address_books(conn, policy, user, need)
        found = find_contact(conn, books, reference, default_region)
    if not found:
        where = "any address book" if not user else f"an address book {user!r} may " + (
            "read" if need == "r" else "write")
        raise ContactNotFound(f"no contact {reference!r} in {where}")
    if len(found) > 1:
        raise AmbiguousContact(reference, found)
    return found[0]


def _text(store: Store, contact: Contact) -> tuple[int, str]:
    record = store.collection(contact.book)
    text = store.item_text(record.id, contact.href) if record else None
    if record is None or text is None:
        raise ContactNotFound(f"contact /{contact.book}/{contact.href} vanished")
    return record.id, text


def current_card(store: Store, contact: Contact) -> tuple[ItemRecord, str]:
    """The stored card of ``contact`` and its text as they are now; ContactNotFound when
    it is gone (deleted or moved since ``contact`` was resolved)."""
    record = store.collection(contact.book)
    found = store.item(record.id, contact.href) if record else None
    if found is None or found.text is None:
        raise ContactNotFound(f"contact /{contact.book}/{contact.href} vanished")
    return found, found.text


def card_data(text: str, uid: str) -> ItemData:
    """A vCard's ``text`` as the store writes it."""
    return ItemData(text=text, uid=uid, etag=etag_of(text), name="VCARD", component="")


def list_notes(store: Store, policy: "Policy", default_region: str, user: str | None,
               reference: str) -> tuple[Contact, list[Interaction]]:
    """The contact's timeline, newest first (damaged entries are skipped)."""
    contact = resolve(store, policy, default_region, user, reference)
    _, text = _text(store, contact)
    notes = parse_interactions(text, strict=False)
    return contact, sorted(notes, key=lambda n: (n.at, n.id), reverse=True)


def add_note(store: Store, policy: "Policy", default_region: str, user: str | None,
             reference: str, kind: str, text: str, at: datetime | None = None,
             follow_up: date | None = None) -> tuple[Contact, Interaction]:
    """Append one interaction, authored by the acting user at the server's time (``at``,
    when given and past, is kept as the claimed time); raises ContactError."""
    contact = resolve(store, policy, default_region, user, reference, need="w")
    actor = user or ADMIN_ACTOR
    note = recorded(kind, actor, text, claimed=at, follow_up=follow_up)
    with store.locked([contact.book]):
        _, card = _text(store, contact)
        store.put_item(contact.book, contact.href,
                       card_data(add_interaction(card, note), contact.uid),
                       actor=actor, attested=True, audit_action="contact.note.add",
                       audit_detail={"note": note.id})
    return contact, note


def remove_note(store: Store, policy: "Policy", default_region: str, user: str | None,
                reference: str, note_id: str) -> Contact:
    """Delete one interaction: the explicit act the append-only history allows, to its
    author or an admin (the local admin too); audited with what was removed.

    Written ``attested``: the upload filters would otherwise put back exactly the
    interaction the card now lacks.
    """
    contact = resolve(store, policy, default_region, user, reference, need="w")
    actor = user or ADMIN_ACTOR
    with store.locked([contact.book]):
        old, card = current_card(store, contact)
        note = next((n for n in parse_interactions(card, strict=False)
                     if n.id == note_id), None)
        if user and not policy.is_admin(user):
            if note is not None and note.author != user:
                raise NoteRemovalDenied(f"note {note_id!r} is by {note.author!r}: only its "
                                        "author or an admin may remove it")
            if note is None and note_id in interaction_ids(card_lines(card)):
                raise NoteRemovalDenied(f"note {note_id!r} is damaged: only an admin may "
                                        "remove it")
        detail = {"note": note_id}
        if note is not None:
            detail.update(author=note.author, text=note.text,
                          at=note.at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        store.put_item(contact.book, contact.href,
                       card_data(remove_interaction(card, note_id), old.uid), actor,
                       attested=True, audit_action="contact.note.remove",
                       audit_detail=detail)
    return contact


def done_note(store: Store, policy: "Policy", default_region: str, user: str | None,
              reference: str, note_id: str, at: datetime | None = None
              ) -> tuple[Contact, Interaction]:
    """Mark the follow-up of one interaction done (at ``at``, default now).

    Only that interaction's line changes (its follow-up component gains the done
    time), so the follow-ups calendar completes the task on its next sync; the
    upload merge keeps the mark against clients that write back an older copy.
    Raises ContactError (InteractionError when the note has no open follow-up).
    """
    contact = resolve(store, policy, default_region, user, reference, need="w")
    actor = user or ADMIN_ACTOR
    with store.locked([contact.book]):
        _, card = _text(store, contact)
        marked, note = mark_done(card, note_id, at or datetime.now(timezone.utc))
        store.put_item(contact.book, contact.href, card_data(marked, contact.uid), actor=actor,
                       attested=True, audit_action="contact.note.done",
                       audit_detail={"note": note_id})
    return contact, note


def reopen_note(store: Store, policy: "Policy", default_region: str, user: str | None,
                reference: str, note_id: str) -> tuple[Contact, Interaction]:
    """Take a done mark away again. Written ``attested``: the upload filters keep done
    marks against uploads that lack them and would undo this otherwise."""
    contact = resolve(store, policy, default_region, user, reference, need="w")
    actor = user or ADMIN_ACTOR
    with store.locked([contact.book]):
        old, card = current_card(store, contact)
        text, note = mark_open(card, note_id)
        store.put_item(contact.book, contact.href, card_data(text, old.uid), actor,
                       attested=True, audit_action="contact.note.reopen",
                       audit_detail={"note": note_id})
    return contact, note

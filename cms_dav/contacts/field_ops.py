"""Custom field values on stored contacts: the operations behind ``cms-dav contacts set``.

A value is checked against its definition (type, choices, scope) before anything is
written, and written into the card through the store, so the sync log, history, audit
trail and the field index change in one transaction and clients see it on their next
sync. The address book's write lock is held, as for ``cms-dav notes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.contacts.custom_fields import set_fields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import FieldSet, FieldValueError
from cms_dav.contacts.notes import card_data, current_card, resolve
from cms_dav.contacts.query import Contact
from cms_dav.store.store import Store

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy


def book_groups(policy: "Policy", book: str) -> frozenset[str]:
    """The groups a book belongs to for field scopes: ``/groups/G/...`` is G's; a book
    in a user's home belongs to that user's groups."""
    parts = book.strip("/").split("/")
    if parts[0] == "groups" and len(parts) > 1:
        return frozenset({parts[1]})
    return policy.groups_of(parts[0])


def fields_for_book(fields: FieldSet, policy: "Policy", book: str) -> FieldSet:
    """The fields whose scope includes address book ``book`` (import, export)."""
    groups = book_groups(policy, book)
    return FieldSet(tuple(f for f in fields.fields if f.in_scope(groups)))


def parse_assignments(fields: FieldSet, assignments: list[str] | tuple[str, ...],
                      groups: frozenset[str] | None = None) -> dict[str, str]:
    """``KEY=VALUE`` pairs -> canonical values (``""``: clear); raises ContactError
    naming the field for an unknown key, a value of the wrong type, or (with
    ``groups``, the book's groups) a field whose scope excludes the book."""
    values: dict[str, str] = {}
    for assignment in assignments:
        key, equals, raw = assignment.partition("=")
        key = key.strip()
        if not equals:
            raise ContactError(f"--field {assignment!r}: expected KEY=VALUE (KEY= clears it)")
        definition = fields.get(key)
        if definition is None:
            known = ", ".join(fields.keys()) or "none: see `cms-dav field add`"
            raise ContactError(f"--field {assignment!r}: no field {key!r} (defined: {known})")
        if groups is not None and not definition.in_scope(groups):
            raise ContactError(f"field {key!r} is for the address books of "
                               f"{', '.join(definition.scope)} only")
        try:
            values[key] = definition.normalize(raw)
        except FieldValueError as exc:
            raise ContactError(str(exc)) from None
    return values


def set_contact_fields(store: Store, policy: "Policy", fields: FieldSet, default_region: str,
                       user: str | None, reference: str, assignments: list[str]
                       ) -> tuple[Contact, dict[str, str]]:
    """Set (or clear, ``KEY=``) field values on one contact ``user`` may write.

    Written without the upload filters: the field filter puts back values an upload
    lacks and would undo a clearing. Raises ContactError; nothing is written then."""
    if not assignments:
        raise ContactError("nothing to set: give --field KEY=VALUE")
    contact = resolve(store, policy, default_region, user, reference, need="w")
    try:
        values = parse_assignments(fields, assignments, book_groups(policy, contact.book))
    except ContactError as exc:
        raise ContactError(f"{contact.fn} (/{contact.book}/{contact.href}): {exc}; "
                           "nothing written") from None
    actor = user or ADMIN_ACTOR
    with store.locked([contact.book]):
        old, card = current_card(store, contact)
        text = set_fields(card, values)
        if text != card:
            store.put_item(contact.book, contact.href, card_data(text, old.uid),
                           actor, apply_filters=False, audit_action="contact.fields.set",
                           audit_detail={"fields": ", ".join(
                               f"{k}={v}" for k, v in values.items())})
    return contact, values

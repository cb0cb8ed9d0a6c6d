"""Turning a create or update request into the vCard text the store writes.

The text goes through :meth:`cms_dav.store.store.Store.put_item` with its upload
filters (interactions, custom fields, timeline), the write path CardDAV uses.
"""

from __future__ import annotations

import uuid
from typing import Any

from cms_dav.api.auth import Door
from cms_dav.api.problems import ApiProblem, FieldError
from cms_dav.api.schemas import ContactParts
from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.contact_json import PARTS, apply_changes, new_card
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_ops import book_groups, parse_assignments
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.io.object_check import check_object
from cms_dav.store.records import CollectionRecord, ItemData

#: parts that are lists: null clears them to []
LIST_PARTS = ("nicknames", "phones", "emails", "addresses", "categories")
_SAFE_HREF = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+=-")


def item_data(text: str, uid: str) -> ItemData:
    return ItemData(text=text, uid=uid, etag=etag_of(text), name="VCARD", component="")


def href_for(uid: str) -> str:
    """``UID.vcf`` when the UID is safe in a URL path, else a new UUID's."""
    if uid and len(uid) <= 200 and set(uid) <= _SAFE_HREF and not uid.startswith("."):
        return f"{uid}.vcf"
    return f"{uuid.uuid4()}.vcf"


def changes_of(door: Door, record: CollectionRecord, parts: ContactParts) -> dict[str, Any]:
    """The parts a request sets, as plain JSON. As in a JSON merge patch (RFC 7396), a
    part left out is kept and a part sent as null is cleared. Custom field values are
    made canonical for the fields file (422 naming the field otherwise)."""
    sent = parts.model_dump(include=set(PARTS) & parts.model_fields_set)
    if "name" in sent and sent["name"] is None:
        raise ApiProblem(422, "body.name: a contact keeps a name; it cannot be null",
                         errors=[FieldError(field="body.name", reason="may not be null")])
    changes = {part: [] if value is None and part in LIST_PARTS else value
               for part, value in sent.items() if not (part == "fields" and value is None)}
    if "fields" in changes:
        fields = door.services.fields.fields()
        try:
            changes["fields"] = parse_assignments(
                fields, [f"{key}={value}" for key, value in changes["fields"].items()],
                book_groups(door.services.policy, record.path))
        except ContactError as exc:
            raise ApiProblem(422, str(exc), errors=[FieldError(field="body.fields",
                                                               reason=str(exc))]) from None
    return changes


def checked_vcard(text: str) -> str:
    """A client's whole vCard, refused (422, line by line) when it cannot be stored."""
    problems = check_object(text, "VADDRESSBOOK")
    if problems:
        reasons = [FieldError(field="body.vcard", reason=str(p)) for p in problems]
        raise ApiProblem(422, f"body.vcard: {problems[0]}", errors=reasons)
    try:
        uid = extract_fields(text).uid
    except ContactError as exc:
        raise ApiProblem(422, f"body.vcard: {exc}") from None
    if not uid:
        raise ApiProblem(422, "body.vcard: the card has no UID")
    return text


def _only_vcard(parts: ContactParts, changes: dict[str, Any]) -> None:
    if changes:
        raise ApiProblem(422, "give either vcard or the contact's parts, not both",
                         errors=[FieldError(field="body.vcard",
                                            reason="not allowed with " + ", ".join(changes))])


def created_text(door: Door, record: CollectionRecord, parts: ContactParts,
                 uid: str | None, vcard: str | None) -> str:
    """The text of a new contact (422 when the request cannot make one)."""
    changes = changes_of(door, record, parts)
    if vcard is not None:
        _only_vcard(parts, changes)
        if uid is not None:
            raise ApiProblem(422, "the UID of a vcard is the card's own: leave out uid")
        return checked_vcard(vcard)
    name = changes.get("name") or {}
    if not any(str(v).strip() for v in name.values()):
        raise ApiProblem(422, "body.name: a new contact needs a name",
                         errors=[FieldError(field="body.name", reason="required")])
    try:
        return new_card(uid or str(uuid.uuid4()), changes)
    except ContactError as exc:
        raise ApiProblem(422, str(exc)) from None


def updated_text(door: Door, record: CollectionRecord, stored: str, uid: str,
                 parts: ContactParts, vcard: str | None) -> str:
    """The stored card with the request's changes; every line it does not name is kept."""
    changes = changes_of(door, record, parts)
    if vcard is not None:
        _only_vcard(parts, changes)
        if extract_fields(checked_vcard(vcard)).uid != uid:
            raise ApiProblem(409, f"the vcard's UID differs from the contact's ({uid})")
        return vcard
    try:
        return apply_changes(stored, changes)
    except ContactError as exc:
        raise ApiProblem(422, str(exc)) from None

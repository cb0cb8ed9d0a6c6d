"""Contacts of one address book: list (cursor pages), get, create, update, delete.

Conditional requests follow RFC 9110 §13: an update needs ``If-Match`` with the
contact's ETag (428 without it, so no client overwrites a change it never saw; 412 on
a stale one, nothing changed); a delete checks ``If-Match`` when given. The check
and the write happen under the address book's write lock, the one CardDAV PUT
holds, so no write slips between them. A delete moves the card to the trash.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from cms_dav.api import access
from cms_dav.api.auth import Door, Reader, Writer
from cms_dav.api.contact_writes import created_text, href_for, item_data, updated_text
from cms_dav.api.problems import ERRORS, ApiProblem
from cms_dav.api.schemas import Contact, ContactIn, ContactPage, ContactUpdate
from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.contact_json import contact_view
from cms_dav.store.records import CollectionRecord, ItemRecord

router = APIRouter(tags=["contacts"], responses=ERRORS)

#: the most contacts one page holds (``?limit=``)
MAX_PAGE = 200
BOOK = "/address-books/{owner}/{book}/contacts"

Segment = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^/\x00-\x1f]+$")]
Href = Annotated[str, Path(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f]+$")]
IfMatch = Annotated[str | None, Header(max_length=1000, description="the contact's ETag")]


def contact_json(door: Door, record: CollectionRecord, item: ItemRecord) -> dict[str, Any]:
    assert item.text is not None
    view = contact_view(item.text, door.services.settings.default_region)
    return {"address_book": record.path, "href": item.href, "etag": item.etag,
            **view, "vcard": item.text}


def _location(record: CollectionRecord, href: str) -> str:
    return f"/api/v1/address-books/{record.path}/contacts/{href}"


def _encode_cursor(href: str) -> str:
    return base64.urlsafe_b64encode(href.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_",
                                validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiProblem(400, "cursor: not a cursor this API gave out") from None


def _matches(if_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.1: ``*`` or a list of entity tags (strong comparison)."""
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or etag in tags


@router.get(BOOK, response_model=ContactPage, summary="List the contacts of an address book")
def list_contacts(door: Reader, owner: Segment, book: Segment,
                  limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                  cursor: Annotated[str | None, Query(max_length=400)] = None
                  ) -> dict[str, Any]:
    """One page by href; ``next_cursor`` fetches the next (absent on the last page)."""
    record = access.collection(door, owner, book)
    after = _decode_cursor(cursor) if cursor else ""
    found = door.store.items_page(record.id, after, limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return {"items": [contact_json(door, record, item) for item in page],
            "next_cursor": _encode_cursor(page[-1].href) if more else None}


@router.get(BOOK + "/{href}", response_model=Contact, summary="Get one contact")
def get_contact(door: Reader, owner: Segment, book: Segment, href: Href,
                response: Response) -> dict[str, Any]:
    record = access.collection(door, owner, book)
    item = access.item(door, record, href)
    response.headers["ETag"] = item.etag
    return contact_json(door, record, item)


@router.post(BOOK, response_model=Contact, status_code=201, summary="Create a contact")
def create_contact(door: Writer, owner: Segment, book: Segment, body: ContactIn,
                   response: Response) -> dict[str, Any]:
    """201 with ``Location`` and ``ETag``; 409 when the UID is in the book already."""
    record = access.collection(door, owner, book, need="w")
    text = created_text(door, record, body, body.uid, body.vcard)
    uid = extract_fields(text).uid
    href = href_for(uid)
    with door.store.locked([record.path]):
        if door.store.has_uid(record.id, uid) or door.store.item(record.id, href, False):
            raise ApiProblem(409, f"/{record.path}/ already holds a contact with UID {uid}")
        try:
            door.store.put_item(record.path, href, item_data(text, uid), door.user)
        except ValueError as exc:
            raise access.refusal(exc) from None
    item = access.item(door, record, href)
    response.headers["Location"] = _location(record, href)
    response.headers["ETag"] = item.etag
    return contact_json(door, record, item)


@router.put(BOOK + "/{href}", response_model=Contact, summary="Update a contact",
            responses={428: ERRORS[428], 412: ERRORS[412]})
def update_contact(door: Writer, owner: Segment, book: Segment, href: Href,
                   body: ContactUpdate, response: Response,
                   if_match: IfMatch = None) -> dict[str, Any]:
    """Replaces the parts the body names and keeps the others (and every vCard line the
    JSON does not model); ``vcard`` alone replaces the whole card. Needs ``If-Match``."""
    record = access.collection(door, owner, book, need="w")
    if if_match is None:
        raise ApiProblem(428, "If-Match: send the contact's ETag (from GET) to update it")
    with door.store.locked([record.path]):
        stored = access.item(door, record, href)
        assert stored.text is not None
        if not _matches(if_match, stored.etag):
            raise ApiProblem(412, f"If-Match: the contact changed, its ETag is now {stored.etag}")
        text = updated_text(door, record, stored.text, stored.uid, body, body.vcard)
        if text != stored.text:
            try:
                door.store.put_item(record.path, href, item_data(text, stored.uid), door.user)
            except ValueError as exc:
                raise access.refusal(exc) from None
    item = access.item(door, record, href)
    response.headers["ETag"] = item.etag
    return contact_json(door, record, item)


@router.delete(BOOK + "/{href}", status_code=204, response_class=Response,
               summary="Delete a contact (to the trash)")
def delete_contact(door: Writer, owner: Segment, book: Segment, href: Href,
                   if_match: IfMatch = None) -> Response:
    """The card goes to the trash (``cms-dav trash restore`` brings it back)."""
    record = access.collection(door, owner, book, need="w")
    with door.store.locked([record.path]):
        stored = access.item(door, record, href)
        if if_match is not None and not _matches(if_match, stored.etag):
            raise ApiProblem(412, f"If-Match: the contact changed, its ETag is now {stored.etag}")
        door.store.delete_item(record.path, href, door.user)
    return Response(status_code=204)

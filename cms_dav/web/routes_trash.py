"""Deleting a contact to the trash, with undo, and the trash page with restore.

The delete is the JSON API's (:func:`cms_dav.api.routes_contacts.delete_contact`):
the store write path, under the book's write lock, history keeping the card; the
answer is 303 to the contacts list with ``?deleted=<entry>``, which shows "Deleted X —
Undo". Undo and the trash page's restore are the same POST: the trash's restore
(:func:`cms_dav.io.trash.restore_item`) through the caller's store (audited as door
"web"), after the ACL policy says they may write the book."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from cms_dav.api.problems import ApiProblem
from cms_dav.api.routes_contacts import delete_contact
from cms_dav.io.trash import TrashError, last_deleted, restore_item
from cms_dav.web.forms import Page, Post, door_of
from cms_dav.web.render import page, redirect
from cms_dav.web.routes_contacts import CONTACT, Segment, contact_url
from cms_dav.web.trash_view import listed, writable_entry

router = APIRouter()
TRASH = "/app/trash"
EntryId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^item-[0-9]+$")]


@router.post(CONTACT + "/delete")
def delete(request: Request, session: Post, owner: Segment, book: Segment, href: Segment
           ) -> Response:
    door = door_of(request, session)
    if door.caller.read_only:
        raise ApiProblem(403, "this sign-in is read-only (an app password of scope \"read\")")
    delete_contact(door, owner, book, href)
    entry = last_deleted(door.store, f"{owner}/{book}", href)
    target = "/app/contacts" + (f"?deleted={quote(entry.id)}" if entry else "")
    return redirect(request, target, session)


@router.get(TRASH)
def trash(request: Request, session: Page) -> Response:
    return page(request, "trash.html", session, entries=listed(request, door_of(request, session)))


@router.post(TRASH + "/{entry_id}/restore")
def restore(request: Request, session: Post, entry_id: EntryId) -> Response:
    door = door_of(request, session)
    entry = writable_entry(door, entry_id)
    try:
        restore_item(door.store, entry, door.user)
    except TrashError as exc:
        raise ApiProblem(409, str(exc)) from None
    owner, _, book = entry.path.partition("/")
    return redirect(request, contact_url(owner, book, entry.href), session)

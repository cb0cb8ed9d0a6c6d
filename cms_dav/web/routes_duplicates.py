"""Duplicates review: the likely duplicates of an address book the user may change (the
finder behind ``cms-dav dedupe``, :mod:`cms_dav.io.duplicate_groups`), one group side by
side, and merging it with the CLI's merge (the richest card is kept and enriched, the
others deleted; their history and the trash keep what they were).

The merge runs in one transaction under the book's write lock (:meth:`Store.batch`), and
only if every card still has the ETag the comparison page showed (``If-Match`` in the
spirit of RFC 9110 §13.1.1): a card changed meanwhile, e.g. on a phone, is never merged
blindly; the page comes back (409) "changed on another device" with the current cards."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cms_dav.api import access
from cms_dav.api.auth import Door
from cms_dav.api.problems import ApiProblem
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.query import address_books
from cms_dav.io.duplicate_groups import DedupeError, FoundGroup, merge_group
from cms_dav.limits.errors import LimitExceeded
from cms_dav.store.items import UidConflict
from cms_dav.store.store import NotFound
from cms_dav.web.forms import Form, Page, Post, door_of
from cms_dav.web.render import language, page, redirect, services_of
from cms_dav.web.routes_contacts import Segment, contact_url

router = APIRouter()
DUPLICATES = "/app/duplicates"
BOOK = DUPLICATES + "/{owner}/{book}"
GROUP = BOOK + "/{group_id}"
#: the most cards of one group the comparison shows and a merge form carries
MAX_MEMBERS = 12
#: the most groups one book's page lists
MAX_GROUPS = 200


def book_url(owner: str, book: str) -> str:
    return f"{DUPLICATES}/{quote(owner, safe='')}/{quote(book, safe='')}"


def _writable(door: Door, owner: str, book: str) -> str:
    """The path of a book the user may change: duplicates are reviewed to be merged."""
    if door.caller.read_only:
        raise ApiProblem(403, "this sign-in is read-only (an app password of scope \"read\")")
    return access.collection(door, owner, book, need="w").path


def _groups(request: Request, door: Door, path: str) -> list[FoundGroup]:
    """The book's groups as it is now (kept per book version: :mod:`duplicate_cache`)."""
    try:
        return services_of(request).duplicates.groups(
            door.store, path, door.services.settings.default_region)
    except DedupeError as exc:
        raise ApiProblem(404, str(exc)) from None


def _etags(door: Door, path: str, group: FoundGroup) -> dict[str, str]:
    record = door.store.collection(path)
    assert record is not None
    found = door.store.items_by_href(record.id, [href for href, _, _ in group.members])
    return {href: item.etag for href, item in found.items()}


def _columns(group: FoundGroup, etags: dict[str, str]) -> list[dict[str, Any]]:
    return [{"href": href, "etag": etags.get(href, ""), "name": record.display_name(),
             "org": record.org, "title": record.title,
             "emails": [value for _, value in record.emails],
             "phones": [value for _, value in record.phones],
             "categories": record.categories, "note": record.note[:300],
             "interactions": len(record.interactions)}
            for href, record, _ in group.members[:MAX_MEMBERS]]


@router.get(DUPLICATES)
def books(request: Request, session: Page) -> Response:
    """The address books the user may change, to pick one to review."""
    door = door_of(request, session)
    with door.store.reading() as conn:
        found = [] if door.caller.read_only else address_books(
            conn, door.services.policy, door.user, need="w")
    return page(request, "duplicates.html", session,
                books=[book.path.split("/", 1) for book in found])


@router.get(BOOK)
def groups(request: Request, session: Page, owner: Segment, book: Segment) -> Response:
    door = door_of(request, session)
    path = _writable(door, owner, book)
    found = _groups(request, door, path)
    return page(request, "duplicate_groups.html", session, owner=owner, book=book,
                groups=found[:MAX_GROUPS], more=len(found) > MAX_GROUPS)


def _compare(request: Request, session: Any, door: Door, owner: str, book: str,
             path: str, group: FoundGroup, status: int = 200, message: str = "") -> Response:
    return page(request, "duplicate.html", session, status, owner=owner, book=book,
                group=group, columns=_columns(group, _etags(door, path, group)),
                message=message, back=book_url(owner, book), contact_url=contact_url,
                too_many=len(group.members) > MAX_MEMBERS)


@router.get(GROUP)
def compare(request: Request, session: Page, owner: Segment, book: Segment,
            group_id: Segment) -> Response:
    door = door_of(request, session)
    path = _writable(door, owner, book)
    group = next((g for g in _groups(request, door, path) if g.id == group_id), None)
    if group is None:
        raise ApiProblem(404, f"no duplicate group {group_id} in /{path}/ (it may have "
                              "been merged or changed meanwhile)")
    return _compare(request, session, door, owner, book, path, group)


def _sent_etags(fields: dict[str, str]) -> dict[str, str]:
    """The form's ``etags``: one ``href etag`` pair a line, as the page wrote them."""
    pairs = [line.rsplit(" ", 1) for line in fields.get("etags", "").splitlines() if line]
    if len(pairs) > MAX_MEMBERS or any(len(pair) != 2 for pair in pairs):
        raise ApiProblem(422, "etags: one 'href etag' pair a line, as the page sent them")
    return {href: etag for href, etag in pairs}


@router.post(GROUP + "/merge")
def merge(request: Request, session: Post, fields: Form, owner: Segment, book: Segment,
          group_id: Segment) -> Response:
    door = door_of(request, session)
    path = _writable(door, owner, book)
    sent = _sent_etags(fields)
    region = door.services.settings.default_region
    changed = language(request).gettext(
        "These contacts were changed on another device. Check them and merge again.")
    # one transaction under the book's lock: nobody writes between the check and the merge
    with door.store.batch([path]):
        group = next((g for g in _groups(request, door, path) if g.id == group_id), None)
        if group is None:
            return page(request, "error.html", session, 409,
                        message=changed + " (" + group_id + ")")
        if len(group.members) > MAX_MEMBERS:
            raise ApiProblem(422, f"this group has more than {MAX_MEMBERS} cards: merge "
                                  "it with cms-dav dedupe")
        if not sent or _etags(door, path, group) != sent:
            return _compare(request, session, door, owner, book, path, group, 409, changed)
        try:
            merged = merge_group(door.store, path, group_id, door.user, region)
        except DedupeError as exc:
            raise ApiProblem(409, str(exc)) from None
        except (LimitExceeded, UidConflict, NotFound, ContactError) as exc:
            raise access.refusal(exc) from None
    kept = merged.members[0][0]
    return redirect(request, contact_url(owner, book, kept), session)

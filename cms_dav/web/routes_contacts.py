"""Contacts pages: the list with the server's search (:mod:`cms_dav.contacts.contact_search`,
the same as the API and CLI: pinyin, initials, accents, phones) in pages, narrowed by
filters (book, category, group, custom field, not contacted since, follow-ups due:
:mod:`cms_dav.web.contact_filters`); one contact
with its fields and interaction timeline (newest first); adding a note and marking a
follow-up done through the notes operations the API uses. Every right is the ACL
policy's (:mod:`cms_dav.api.access`): 404 for what the user may not read, 403 for a
write to what they may only read."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from cms_dav.api import access
from cms_dav.api.problems import ApiProblem
from cms_dav.api.routes_interactions import notes_operation
from cms_dav.contacts import notes
from cms_dav.contacts.contact_json import contact_view
from cms_dav.contacts.contact_search import SearchRequest, search_contacts
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import KINDS
from cms_dav.contacts.query import Book, Contact, address_books, page_contacts
from cms_dav.web.contact_filters import ListFilters, filtered
from cms_dav.web.forms import Form, Page, Post, door_of
from cms_dav.web.render import language, page, redirect
from cms_dav.web.trash_view import undo_notice

router = APIRouter()
PAGE_SIZE = 25
MAX_PAGE = 400
CONTACT = "/app/contacts/{owner}/{book}/{href}"

Segment = Annotated[str, Path(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f]+$")]


def _found(request: Request, user: str, query: str, filters: ListFilters, start: int,
           count: int) -> tuple[list[Contact], list[Book]]:
    """``count`` contacts from ``start`` and the books the user may read: the list is
    paged in SQL; a search ranks its matches, so it asks for the first ``start + count``;
    filters narrow either (:mod:`cms_dav.web.contact_filters`)."""
    api = request.app.state.services.api
    with api.store.reading() as conn:
        books = address_books(conn, api.policy, user)
        try:
            if filters.active:
                return filtered(conn, books, api.fields.fields(), api.settings.default_region,
                                query, filters, start, count, date.today()), books
            if not query:
                return page_contacts(conn, books, start, count), books
            return search_contacts(conn, api.policy, api.fields.fields(),
                                   api.settings.default_region, user,
                                   SearchRequest(query=query, limit=start + count))[start:], books
        except ContactError as exc:
            raise ApiProblem(422, str(exc)) from None


Text = Annotated[str, Query(max_length=200)]


@router.get("/app/contacts")
def contacts(request: Request, session: Page, q: Text = "",
             page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
             deleted: Annotated[str, Query(max_length=40)] = "",
             book: Text = "", category: Text = "", group: Text = "", where: Text = "",
             quiet_days: Annotated[str, Query(max_length=6, pattern=r"^\d*$")] = "",
             due: Annotated[str, Query(max_length=5)] = "") -> Response:
    query = q.strip()
    filters = ListFilters(book=book.strip().strip("/"), category=category.strip(),
                          group=group.strip(), where=where.strip(),
                          quiet_days=int(quiet_days) if quiet_days else None, due=bool(due))
    undo = undo_notice(door_of(request, session), deleted) if deleted else None
    start = (page_number - 1) * PAGE_SIZE
    found, books = _found(request, session.user, query, filters, start, PAGE_SIZE + 1)
    return page(request, "contacts.html", session, q=query, page=page_number,
                contacts=found[:PAGE_SIZE], more=len(found) > PAGE_SIZE, undo=undo,
                filters=filters, books=books, link=filters.query(query))


def _when(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _timeline(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**entry, "when": _when(entry["at"]), "done": _when(entry["done_at"])}
            for entry in entries]


@router.get(CONTACT)
def contact(request: Request, session: Page, owner: Segment, book: Segment, href: Segment
            ) -> Response:
    door = door_of(request, session)
    record = access.collection(door, owner, book)
    item = access.item(door, record, href)
    assert item.text is not None
    view = contact_view(item.text, door.services.settings.default_region)
    writable = "w" in access.letters(door, record.path) and not door.caller.read_only
    code = language(request).code
    labels = {each.key: each.label(code) for each in door.services.fields.fields().fields}
    return page(request, "contact.html", session, contact=view, owner=owner, book=book,
                href=href, writable=writable, kinds=KINDS, field_labels=labels,
                timeline=_timeline(view["interactions"]))


def contact_url(owner: str, book: str, href: str) -> str:
    return "/app/contacts/" + "/".join(quote(part, safe="") for part in (owner, book, href))


def _writable_uid(request: Request, session: Post, owner: str, book: str, href: str
                  ) -> tuple[Any, str]:
    door = door_of(request, session)
    if door.caller.read_only:
        raise ApiProblem(403, "this sign-in is read-only (an app password of scope \"read\")")
    record = access.collection(door, owner, book, need="w")
    return door, access.item(door, record, href).uid


def _follow_up(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ApiProblem(422, "follow_up: a date as YYYY-MM-DD") from None


@router.post(CONTACT + "/notes")
def add_note(request: Request, session: Post, fields: Form, owner: Segment, book: Segment,
             href: Segment) -> Response:
    door, uid = _writable_uid(request, session, owner, book, href)
    kind, text = fields.get("kind", ""), fields.get("text", "").strip()
    if kind not in KINDS:
        raise ApiProblem(422, f"kind: one of {', '.join(KINDS)}")
    if not text or len(text) > 10_000:
        raise ApiProblem(422, "text: write the note (at most 10000 characters)")
    follow_up = _follow_up(fields.get("follow_up", ""))
    services = door.services
    region = services.settings.default_region
    notes_operation(lambda: notes.add_note(door.store, services.policy, region, door.user,
                                           uid, kind, text, None, follow_up))
    return redirect(request, contact_url(owner, book, href), session)


@router.post(CONTACT + "/notes/{note_id}/done")
def done(request: Request, session: Post, owner: Segment, book: Segment, href: Segment,
         note_id: Segment) -> Response:
    door, uid = _writable_uid(request, session, owner, book, href)
    services = door.services
    region = services.settings.default_region
    notes_operation(lambda: notes.done_note(door.store, services.policy, region, door.user,
                                            uid, note_id))
    return redirect(request, contact_url(owner, book, href), session)

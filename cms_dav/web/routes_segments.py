"""Segments (saved filters, :mod:`cms_dav.contacts.segments`, ``cms-dav segment``): the
ones the user gets (their own and their groups'), and one segment's members, read from
the segment's published address book in the user's home one page at a time (a cursor
on the href, so a page never loads the whole book). The book is brought up to date
first, as a CardDAV request on it would (the JSON API's segment members do the same)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cms_dav.api import access
from cms_dav.api.problems import ApiProblem
from cms_dav.contacts.segments import is_segment_marker, marker_value
from cms_dav.acl.generated import MARKER
from cms_dav.io.contact_record import vcard_to_record
from cms_dav.web.forms import Page, door_of
from cms_dav.web.render import page
from cms_dav.web.routes_contacts import Segment

router = APIRouter()
SEGMENTS = "/app/segments"
PAGE_SIZE = 25


@router.get(SEGMENTS)
def segments(request: Request, session: Page) -> Response:
    door = door_of(request, session)
    found = door.services.segments.for_viewer(door.user)
    return page(request, "segments.html", session, segments=[
        {"name": s.name, "owner": s.owner, "sources": [f"/{p}/" for p in s.sources],
         "filters": {k: v for k, v in s.filters.items() if k != "since_seconds" and v}}
        for s in found])


@router.get(SEGMENTS + "/{name}")
def members(request: Request, session: Page, name: Segment,
            after: Annotated[str, Query(max_length=255)] = "") -> Response:
    door = door_of(request, session)
    book = access.segment_book(door, name)
    if book.props.get(MARKER) != marker_value(name) or not is_segment_marker(
            book.props.get(MARKER)):
        raise ApiProblem(409, f"/{door.user}/{name}/ is your own address book, not the "
                              "segment: rename one of them")
    found = door.store.items_page(book.id, after, PAGE_SIZE + 1)
    people = [{"href": item.href, "name": vcard_to_record(item.text or "").display_name()}
              for item in found[:PAGE_SIZE]]
    return page(request, "segment.html", session, name=name, owner=door.user,
                people=people, after=after,
                next=found[PAGE_SIZE - 1].href if len(found) > PAGE_SIZE else "")

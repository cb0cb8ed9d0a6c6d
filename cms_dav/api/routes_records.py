"""Read-only records: custom field definitions, a contact's audit trail and history,
segments with their members, and the contacts report as JSON. Each answers only
about what the caller may read, by the same ACL as the DAV door."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cms_dav.api import access
from cms_dav.api.auth import Reader
from cms_dav.api.problems import ERRORS, ApiProblem
from cms_dav.api.routes_contacts import BOOK, Href, Segment
from cms_dav.api.schemas import (AuditEntry, ContactSummary, FieldDefinition, SegmentOut,
                                 Version)
from cms_dav.contacts import notes
from cms_dav.contacts.query import Book, list_contacts
from cms_dav.contacts.versions import list_versions
from cms_dav.reports.build import Options
from cms_dav.reports.render_json import report_data
from cms_dav.reports.scope import ScopeError
from cms_dav.store.audit import AuditFilter, search

router = APIRouter(tags=["records"], responses=ERRORS)


def _iso(at: float | None) -> str | None:
    return (datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds")
            if at is not None else None)


@router.get("/fields", response_model=list[FieldDefinition],
            summary="Custom field definitions (the fields file)")
def fields(door: Reader) -> list[dict[str, Any]]:
    return [{"key": f.key, "type": f.type, "choices": list(f.choices),
             "labels": dict(f.labels), "scope": list(f.scope)}
            for f in door.services.fields.fields().fields]


@router.get(BOOK + "/{href}/audit", response_model=list[AuditEntry],
            summary="The audit trail of a contact, newest first")
def contact_audit(door: Reader, owner: Segment, book: Segment, href: Href,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    record = access.collection(door, owner, book)
    item = access.item(door, record, href)
    wanted = AuditFilter(uids=(item.uid,), items=((record.path, href),), limit=limit,
                         collection=record.path)
    with door.store.reading() as conn:
        entries = search(conn, wanted)
    return [{**{key: entry[key] for key in ("id", "user", "door", "method", "kind", "action",
                                            "collection", "href", "uid", "old_etag",
                                            "new_etag")},
             "at": _iso(entry["at"])} for entry in entries]


@router.get(BOOK + "/{href}/history", response_model=list[Version],
            summary="The kept versions of a contact, newest (current) first")
def contact_history(door: Reader, owner: Segment, book: Segment, href: Href
                    ) -> list[dict[str, Any]]:
    record = access.collection(door, owner, book)
    uid = access.item(door, record, href).uid
    services = door.services
    try:
        contact, versions = list_versions(door.store, services.policy,
                                          services.settings.default_region, door.user, uid)
    except notes.AmbiguousContact as exc:
        raise ApiProblem(409, str(exc)) from None
    if (contact.book, contact.href) != (record.path, href):
        raise ApiProblem(409, f"UID {uid} names another contact too")
    return [{"version": v.number, "at": _iso(v.written_at), "author": v.author,
             "door": v.door, "etag": v.etag, "ended": v.ended, "summary": v.summary}
            for v in versions]


@router.get("/segments", response_model=list[SegmentOut], summary="The caller's segments")
def segments(door: Reader) -> list[dict[str, Any]]:
    return [{"name": s.name, "owner": s.owner, "sources": list(s.sources),
             "filters": {k: str(v) for k, v in s.filters.items()},
             "address_book": f"{door.user}/{s.name}"}
            for s in door.services.segments.for_viewer(door.user)]


@router.get("/segments/{name}/members", response_model=list[ContactSummary],
            summary="The people a segment holds now")
def segment_members(door: Reader, name: Segment) -> list[dict[str, Any]]:
    book = access.segment_book(door, name)
    with door.store.reading() as conn:
        found = list_contacts(conn, [Book(book.id, book.path)])
    return [{"address_book": c.book, "href": c.href, "uid": c.uid, "name": c.fn,
             "organisation": c.org, "emails": list(c.emails), "phones": list(c.phones),
             "categories": list(c.categories)} for c in found]


@router.get("/reports/contacts", summary="The contacts report (as `cms-dav report --format json`)")
def report(door: Reader,
           book: Annotated[list[str], Query(max_length=50, description=(
               "an address book path, e.g. alice/contacts (repeatable; default: all)"))] = [],  # noqa: B006
           days: Annotated[int, Query(ge=1, le=36500)] = 90,
           ahead: Annotated[int, Query(ge=0, le=366)] = 30,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    options = Options(books=tuple(b[:300] for b in book), user=door.user, days=days,
                      ahead=ahead, limit=limit)
    try:
        return report_data(door.services.report(options))
    except ScopeError as exc:
        raise ApiProblem(404, str(exc)) from None

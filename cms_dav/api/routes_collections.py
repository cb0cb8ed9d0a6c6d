"""Address books and calendars the caller can reach (own, shared, granted), and the
search across its address books with the conditions of ``cms-dav search``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from cms_dav.acl.admin import reachable
from cms_dav.api import access
from cms_dav.api.auth import Door, Reader
from cms_dav.api.problems import ERRORS, ApiProblem, FieldError
from cms_dav.api.schemas import Collection, ContactSummary
from cms_dav.contacts.contact_search import SearchRequest, search_contacts
from cms_dav.contacts.errors import ContactError
from cms_dav.scheduling.mailboxes import INBOX, OUTBOX

router = APIRouter(tags=["collections"], responses=ERRORS)

#: the most search results one request returns
MAX_RESULTS = 200
Text = Annotated[str | None, Query(min_length=1, max_length=200)]


def _collections(door: Door, tag: str) -> list[dict[str, Any]]:
    """The collections of kind ``tag`` the caller may read, by the DAV door's letters."""
    found = []
    for row in reachable(door.store, door.services.policy, door.user):
        path = row["path"].strip("/")
        parts = path.split("/")
        record = door.store.collection(path)
        granted = access.letters(door, path)
        if record is None or record.tag != tag or len(parts) != 2 or "r" not in granted:
            continue
        if tag == "VCALENDAR" and parts[1] in (INBOX, OUTBOX) and \
                door.services.settings.scheduling_enabled:
            continue  # scheduling mailboxes, not calendars (RFC 6638 §2.1-2.2)
        found.append({"path": path, "owner": parts[0], "name": parts[1],
                      "display_name": record.props.get("D:displayname", parts[1]),
                      "access": "write" if "w" in granted else "read"})
    return found


@router.get("/address-books", response_model=list[Collection],
            summary="Address books the caller can reach")
def address_books(door: Reader) -> list[dict[str, Any]]:
    return _collections(door, access.ADDRESS_BOOK)


@router.get("/calendars", response_model=list[Collection],
            summary="Calendars the caller can reach")
def calendars(door: Reader) -> list[dict[str, Any]]:
    return _collections(door, "VCALENDAR")


@router.get("/contacts", response_model=list[ContactSummary],
            summary="Search contacts in every address book the caller may read")
def search(door: Reader, q: Text = None,
           where: Annotated[list[str], Query(max_length=20, description=(
               "a custom field condition, e.g. spend>=50000 (repeatable; all must hold)"
           ))] = [],  # noqa: B006 - FastAPI copies a query list default per request
           category: Text = None, city: Text = None, org: Text = None,
           not_contacted_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
           limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 50) -> list[dict[str, Any]]:
    """The same search as ``cms-dav search``: ranked by score with ``q``, else by name."""
    if any(len(condition) > 500 for condition in where):
        raise ApiProblem(422, "where: a condition is longer than 500 characters")
    request = SearchRequest(query=q, conditions=tuple(where), category=category, city=city,
                            org=org, limit=limit,
                            not_contacted_for=None if not_contacted_days is None
                            else not_contacted_days * 86400.0)
    services = door.services
    try:
        with door.store.reading() as conn:
            found = search_contacts(conn, services.policy, services.fields.fields(),
                                    services.settings.default_region, door.user, request)
    except ContactError as exc:
        raise ApiProblem(422, str(exc), errors=[FieldError(field="query", reason=str(exc))]
                         ) from None
    return [{"address_book": c.book, "href": c.href, "uid": c.uid, "name": c.fn,
             "organisation": c.org, "emails": list(c.emails), "phones": list(c.phones),
             "categories": list(c.categories), "score": round(c.score, 3) if q else None}
            for c in found]

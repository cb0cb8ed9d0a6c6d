"""Editing a contact's display name, organisation, title and phone (the first number:
its types and the other numbers are kept; emptied, it is removed). The form carries the
ETag the page was made from; the JSON API's update
(:func:`cms_dav.api.routes_contacts.update_contact`) checks it as ``If-Match``
(RFC 9110 §13.1.1) under the address book's write lock. A contact changed meanwhile
(on a phone, over CardDAV) is not overwritten: the form comes back (409) saying so,
with the new ETag, so a second submit is a deliberate choice."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from cms_dav.api import access
from cms_dav.api.problems import ApiProblem
from cms_dav.api.routes_contacts import update_contact
from cms_dav.api.schemas import ContactUpdate
from cms_dav.contacts.contact_json import contact_view
from cms_dav.web.forms import Form, Page, Post, door_of
from cms_dav.web.render import language, page, redirect
from cms_dav.web.routes_contacts import CONTACT, Segment, contact_url

router = APIRouter()
EDIT = CONTACT + "/edit"


def _current(request: Request, session: Page, owner: str, book: str, href: str
             ) -> tuple[dict[str, Any], str]:
    """The contact's modeled parts and ETag, if the user may change it (403/404 else)."""
    door = door_of(request, session)
    if door.caller.read_only:
        raise ApiProblem(403, "this sign-in is read-only (an app password of scope \"read\")")
    record = access.collection(door, owner, book, need="w")
    item = access.item(door, record, href)
    assert item.text is not None
    return contact_view(item.text, door.services.settings.default_region), item.etag


def _values(view: dict[str, Any]) -> dict[str, str]:
    organisation = view["organisation"] or {}
    phones = view["phones"]
    return {"formatted": view["name"]["formatted"], "organisation": organisation.get("name", ""),
            "title": view["title"] or "", "phone": phones[0]["value"] if phones else ""}


def _phones(view: dict[str, Any], phone: str) -> list[dict[str, Any]] | None:
    """The card's numbers with the first one replaced by ``phone`` (added when there
    was none, removed when emptied); None when it is unchanged (the numbers are kept
    exactly as the card has them)."""
    current = [{"value": p["value"], "types": p["types"]} for p in view["phones"]]
    if phone == (current[0]["value"] if current else ""):
        return None
    if not current:
        return [{"value": phone, "types": []}]
    return ([{**current[0], "value": phone}] if phone else []) + current[1:]


@router.get(EDIT)
def edit_form(request: Request, session: Page, owner: Segment, book: Segment, href: Segment
              ) -> Response:
    view, etag = _current(request, session, owner, book, href)
    return page(request, "edit.html", session, values=_values(view), etag=etag,
                back=contact_url(owner, book, href), conflict=False)


def _update(view: dict[str, Any], fields: dict[str, str]) -> ContactUpdate:
    """The parts the form changes; the name's other parts and the units are kept."""
    formatted = fields.get("formatted", "").strip()
    if not formatted:
        raise ApiProblem(422, "formatted: a contact keeps a name")
    organisation = fields.get("organisation", "").strip()
    units = (view["organisation"] or {}).get("units", [])
    changes: dict[str, Any] = {
        "name": {**view["name"], "formatted": formatted},
        "organisation": {"name": organisation, "units": units} if organisation else None,
        "title": fields.get("title", "").strip() or None}
    phones = _phones(view, fields.get("phone", "").strip())
    if phones is not None:
        changes["phones"] = phones
    try:
        return ContactUpdate.model_validate(changes)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ApiProblem(422, f"{where}: {problem['msg']}") from None


@router.post(EDIT)
def edit(request: Request, session: Post, fields: Form, owner: Segment, book: Segment,
         href: Segment) -> Response:
    view, etag = _current(request, session, owner, book, href)
    body = _update(view, fields)
    try:
        update_contact(door_of(request, session), owner, book, href, body, Response(),
                       if_match=fields.get("etag") or None)
    except ApiProblem as exc:
        if exc.status not in (412, 428):
            raise
        message = language(request).gettext("This contact was changed on another device. "
                                             "Check the values and save again.")
        return page(request, "edit.html", session, 409, values=_values(view), etag=etag,
                    back=contact_url(owner, book, href), conflict=True, message=message,
                    mine={key: fields.get(key, "") for key in _values(view)})
    return redirect(request, contact_url(owner, book, href), session)

"""Creating a contact from the web: a form with a chooser among the address books the
caller may write (the ACL policy's "w", read-only books not offered) and the parts a
desk user types first (name, organisation, title, phone, e-mail). The card goes
through the JSON API's create (:func:`cms_dav.api.routes_contacts.create_contact`),
the store write path CardDAV uses, audited as door "web"; a forged POST to a book the
caller may only read is refused 403 there (RFC 6352 §6.3.2 rights, as over DAV)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from cms_dav.api.problems import ApiProblem
from cms_dav.api.routes_contacts import create_contact
from cms_dav.api.schemas import ContactIn
from cms_dav.contacts.query import address_books
from cms_dav.web.forms import Form, Page, Post, door_of
from cms_dav.web.render import page, redirect, services_of
from cms_dav.web.routes_contacts import contact_url

router = APIRouter()
NEW = "/app/contacts/new"
#: the form's fields besides the CSRF token
FIELDS = ("book", "formatted", "organisation", "title", "phone", "email")


def writable_books(request: Request, user: str) -> list[str]:
    """Paths ("owner/book") of the address books ``user`` may write, by the policy."""
    api = services_of(request).api
    with api.store.reading() as conn:
        return [book.path for book in address_books(conn, api.policy, user, need="w")]


def _body(fields: dict[str, str]) -> ContactIn:
    """The JSON API's create body from the form; 422 naming the field otherwise."""
    formatted = fields.get("formatted", "").strip()
    if not formatted:
        raise ApiProblem(422, "formatted: a new contact needs a name")
    parts: dict[str, Any] = {"name": {"formatted": formatted}}
    if organisation := fields.get("organisation", "").strip():
        parts["organisation"] = {"name": organisation}
    if title := fields.get("title", "").strip():
        parts["title"] = title
    if phone := fields.get("phone", "").strip():
        parts["phones"] = [{"value": phone}]
    if email := fields.get("email", "").strip():
        parts["emails"] = [{"value": email}]
    try:
        return ContactIn.model_validate(parts)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"] if not isinstance(part, int))
        raise ApiProblem(422, f"{where}: {problem['msg']}") from None


def _book(chosen: str) -> tuple[str, str]:
    owner, _, book = chosen.strip("/").partition("/")
    if not owner or not book or "/" in book:
        raise ApiProblem(422, "book: choose one of the address books offered")
    return owner, book


@router.get(NEW)
def new_form(request: Request, session: Page) -> Response:
    door = door_of(request, session)
    books = [] if door.caller.read_only else writable_books(request, session.user)
    return page(request, "new.html", session, books=books, values={}, error="")


@router.post(NEW)
def create(request: Request, session: Post, fields: Form) -> Response:
    door = door_of(request, session)
    if door.caller.read_only:
        raise ApiProblem(403, "this sign-in is read-only (an app password of scope \"read\")")
    owner, book = _book(fields.get("book", ""))
    try:
        created = create_contact(door, owner, book, _body(fields), Response())
    except ApiProblem as exc:
        if exc.status not in (409, 413, 422):
            raise  # 403/404: no form to show again for a book one may not write
        return page(request, "new.html", session, exc.status,
                    books=writable_books(request, session.user),
                    values={name: fields.get(name, "") for name in FIELDS}, error=exc.detail)
    return redirect(request, contact_url(owner, book, created["href"]), session)

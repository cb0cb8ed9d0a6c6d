"""Sharing of a collection: who has it (users, groups, links, rights-file grants) and
granting or revoking, by the same operations and rules as ``cms-dav share`` and the
sharing API (:mod:`cms_dav.api.routes_shares`, :mod:`cms_dav.acl.admin`): only who
manages the collection outside any share may change its shares (403 for everybody
else, a read-only sharee included), nobody grants more than they hold
(:func:`cms_dav.acl.sharing_policy.check_grant`), and a revocation takes effect at once
(the policy is told, as for the API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from cms_dav.acl import admin
from cms_dav.acl.generated import MARKER
from cms_dav.acl.rules import ACCESS_LEVELS
from cms_dav.acl.sharing_policy import manages_outside_shares
from cms_dav.api.auth import Door
from cms_dav.api.problems import ApiProblem
from cms_dav.api.routes_shares import managed_path, shares_of
from cms_dav.api.schemas import Principal
from cms_dav.web.forms import Form, Page, Post, door_of
from cms_dav.web.render import page, redirect
from cms_dav.web.routes_contacts import Segment

router = APIRouter()
SHARING = "/app/sharing"
COLLECTION = SHARING + "/{owner}/{collection}"
_PRINCIPAL: TypeAdapter[str] = TypeAdapter(Principal)


def _principal(to: str) -> str:
    """A share row's ``to`` as ``user:NAME``/``group:NAME`` (as revoke takes it)."""
    if to.startswith(":"):
        return "group:" + to[1:]
    if to.startswith(("user:", "group:")):
        return to
    return "" if " " in to or to == "authenticated" else "user:" + to


def _row(row: dict[str, Any]) -> dict[str, Any]:
    principal = _principal(str(row["to"]))
    kind, _, name = principal.partition(":")
    return {**row, "principal": principal, "kind": kind, "name": name or row["to"]}


@router.get(SHARING)
def collections(request: Request, session: Page) -> Response:
    """The user's own address books and calendars (server-generated ones left out)."""
    door = door_of(request, session)
    policy = door.services.policy
    found = [record for record in door.store.children(door.user)
             if record.tag and MARKER not in record.props
             and manages_outside_shares(policy, door.user, record.path)]
    return page(request, "sharing.html", session,
                collections=[(record.path.split("/", 1), record.props.get("D:displayname")
                              or record.path.split("/", 1)[1], record.tag)
                             for record in found])


@router.get(COLLECTION)
def shares(request: Request, session: Page, owner: Segment, collection: Segment
           ) -> Response:
    door = door_of(request, session)
    path = managed_path(door, owner, collection)
    return page(request, "share.html", session, owner=owner, collection=collection,
                rows=[_row(row) for row in shares_of(door, None, path)],
                may_share=door.caller.may_share, levels=ACCESS_LEVELS)


def _sharer(request: Request, session: Post, owner: str, collection: str
            ) -> tuple[Door, str]:
    door = door_of(request, session)
    if not door.caller.may_share:
        raise ApiProblem(403, f"this sign-in may not change shares (scope "
                              f"\"{door.caller.scope}\")")
    return door, managed_path(door, owner, collection)


def _to(fields: dict[str, str]) -> str:
    kind, name = fields.get("kind", ""), fields.get("name", "").strip()
    principal = fields.get("to") or f"{kind}:{name}"
    try:
        return _PRINCIPAL.validate_python(principal)
    except ValidationError:
        raise ApiProblem(422, "to: a user or group name (no spaces or '/')") from None


def _back(owner: str, collection: str) -> str:
    return f"{SHARING}/{quote(owner, safe='')}/{quote(collection, safe='')}"


@router.post(COLLECTION + "/grant")
def grant(request: Request, session: Post, fields: Form, owner: Segment, collection: Segment
          ) -> Response:
    door, path = _sharer(request, session, owner, collection)
    to, level = _to(fields), fields.get("access", "read")
    if level not in ACCESS_LEVELS:
        raise ApiProblem(422, f"access: one of {', '.join(ACCESS_LEVELS)}")
    try:
        admin.share_grant(door.store, door.services.policy, door.user, f"/{path}/", to,
                          level)
    except admin.AclError as exc:
        raise ApiProblem(422, str(exc)) from None
    return redirect(request, _back(owner, collection), session)


@router.post(COLLECTION + "/revoke")
def revoke(request: Request, session: Post, fields: Form, owner: Segment,
           collection: Segment) -> Response:
    door, path = _sharer(request, session, owner, collection)
    try:
        admin.share_revoke(door.store, door.services.policy, door.user, f"/{path}/",
                           _to(fields))
    except admin.AclError as exc:
        raise ApiProblem(404, str(exc)) from None
    return redirect(request, _back(owner, collection), session)

"""Shares of a collection: list, grant, revoke, by the operations of ``cms-dav share``
(:mod:`cms_dav.acl.admin`), so the rules are the CLI's and the sharing API's (a share
never gives more than its creator holds; it is mounted in the sharee's home). Only
who manages the collection outside any share (its owner, an admin, an ``admin``
grant of the rights file) may grant or revoke; the change is audited as door "api"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from cms_dav.acl import admin
from cms_dav.acl.sharing_policy import manages_outside_shares
from cms_dav.api import access
from cms_dav.api.auth import Door, Reader, Sharer
from cms_dav.api.problems import ERRORS, ApiProblem
from cms_dav.api.routes_contacts import Segment
from cms_dav.api.schemas import Principal, Share, ShareIn

router = APIRouter(tags=["shares"], responses=ERRORS)

SHARES = "/shares/{owner}/{collection}"


def managed_path(door: Door, owner: str, collection: str) -> str:
    """The path of a collection the caller manages; 404 if it may not even read it."""
    path = f"{owner}/{collection}"
    record = door.store.collection(path)
    if record is None or not record.tag or "r" not in access.letters(door, path):
        raise ApiProblem(404, f"no collection /{path}/ that {door.user} may read")
    if not manages_outside_shares(door.services.policy, door.user, path):
        raise ApiProblem(403, f"only the owner or an admin may share /{path}/")
    return path


def shares_of(door: Door, owner: str | None, path: str | None = None) -> list[dict[str, Any]]:
    rows = admin.all_shares(door.store, door.services.policy, owner)
    return [row for row in rows if path is None or row["path"].strip("/") == path]


@router.get("/shares", response_model=list[Share],
            summary="Shares of the caller's collections (every share, for an admin)")
def list_shares(door: Reader) -> list[dict[str, Any]]:
    everything = door.services.policy.is_admin(door.user)
    return shares_of(door, None if everything else door.user)


@router.get(SHARES, response_model=list[Share], summary="Shares of one collection")
def collection_shares(door: Reader, owner: Segment, collection: Segment
                      ) -> list[dict[str, Any]]:
    path = managed_path(door, owner, collection)
    return shares_of(door, None, path)


@router.post(SHARES, response_model=list[Share], status_code=201,
             summary="Give a user or group access to a collection")
def grant(door: Sharer, owner: Segment, collection: Segment, body: ShareIn
          ) -> list[dict[str, Any]]:
    path = managed_path(door, owner, collection)
    try:
        admin.share_grant(door.store, door.services.policy, door.user, f"/{path}/",
                          body.to, body.access)
    except admin.AclError as exc:
        raise ApiProblem(422, str(exc)) from None
    return shares_of(door, None, path)


@router.delete(SHARES, status_code=204, response_class=Response,
               summary="Take back every share and grant of a collection to someone")
def revoke(door: Sharer, owner: Segment, collection: Segment,
           to: Annotated[Principal, Query(description="user:NAME or group:NAME")]
           ) -> Response:
    path = managed_path(door, owner, collection)
    try:
        admin.share_revoke(door.store, door.services.policy, door.user, f"/{path}/", to)
    except admin.AclError as exc:
        raise ApiProblem(404, str(exc)) from None
    return Response(status_code=204)

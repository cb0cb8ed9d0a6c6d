"""The sharing API's door keeper: every ``POST /.sharing/v1/...`` passes here after
Radicale authenticated the user and before Radicale's own handler runs.

0. A login whose scope does not allow sharing (:mod:`cms_dav.acl.scope`: an app
   password with scope "read" or "write") may only ``list`` and ``info``: 403 otherwise.
1. The body is read (bounded) and checked by :mod:`cms_dav.acl.sharing_request`: a bad
   one is a text/plain 400/413 naming the field, and nothing is stored.
2. The request is decided by :mod:`cms_dav.acl.sharing_policy` (403 with the reason).
3. What Radicale's handler cannot do is done here: a manager deleting a share someone
   else made, a sharee removing a share it received, a group member accepting,
   declining or hiding a group share for themself.
4. Everything else goes on to Radicale with the very same body.
"""

from __future__ import annotations

import io
import json
import socket
from typing import Any, Callable, Mapping

from cms_dav.acl import sharing_policy
from cms_dav.acl.scope import SHARE, scope_allows
from cms_dav.acl.share_database import ShareDatabase
from cms_dav.acl.sharing_policy import SharingRefused
from cms_dav.acl.sharing_request import BadRequest, SharingRequest, call_of, content_length, parse

Response = tuple[int, Any, Any, Any]
TOGGLES = {"enable": {"enabled": True}, "disable": {"enabled": False},
           "hide": {"hidden": True}, "unhide": {"hidden": False}}


def text(status: int, message: str) -> Response:
    return (status, (("Content-Type", "text/plain; charset=utf-8"),), message + "\n", None)


def _success(environ: Mapping[str, Any]) -> Response:
    accept = environ.get("HTTP_ACCEPT", "")
    if "application/json" in accept or ("text/plain" not in accept and "application/json"
                                        in environ.get("CONTENT_TYPE", "")):
        return (200, (("Content-Type", "text/json"),),
                json.dumps({"ApiVersion": 1, "Status": "success"}), None)
    return (200, (("Content-Type", "text/csv"),), "ApiVersion=1\nStatus='success'", None)


def handle(db: ShareDatabase, environ: dict[str, Any], path: str, user: str,
           forward: Callable[[], Response], scope: str) -> Response:
    call = call_of(path)
    if call is None or not user:
        return forward()  # Radicale answers (404 for unknown calls, 401/403 anonymous)
    if call[1] not in ("list", "info") and not scope_allows(scope, SHARE):
        return text(403, f"an app password with scope {scope!r} may not change shares "
                         "(scope admin or the password may)")
    try:
        length = content_length(environ.get("CONTENT_LENGTH"))
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) < length:
            raise BadRequest(f"the body ended after {len(body)} of {length} bytes")
        request = parse(call[0], call[1], environ.get("CONTENT_TYPE", ""), body)
    except BadRequest as exc:
        return text(exc.status, str(exc))
    except (socket.timeout, TimeoutError):
        return text(408, "the request body did not arrive in time")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    try:
        answer = _decide(db, user, request)
    except SharingRefused as exc:
        return text(403, str(exc))
    if answer is True:
        return _success(environ)
    return forward()


def _decide(db: ShareDatabase, user: str, request: SharingRequest) -> bool:
    """Raise SharingRefused, return True when handled here, False to let Radicale go on."""
    data, action = request.data, request.action
    if action in ("list", "info") or request.share_type == "all":
        return False
    if action == "create":
        return _create(db, user, request)
    path_or_token = data.get("PathOrToken")
    if path_or_token is None:
        return False  # Radicale: 400 Missing PathOrToken
    share = db.find(request.share_type, path_or_token)
    if share is None:
        return _received(db, user, request, path_or_token)
    if action == "delete":
        if share["Owner"] == user:
            return False
        if sharing_policy.may_delete(db.policy, user, share):
            db.delete(request.share_type, path_or_token, user)
            return True
        if share["User"] == user and request.share_type == "map":
            return db.unmount(user, path_or_token)
        raise SharingRefused("only the creator of this share, a manager of the collection "
                             "or its sharee may delete it")
    if action == "update":
        if share["Owner"] != user:
            if share["User"] == user:
                return False  # Radicale lets a sharee change only its own flags/overlay
            raise SharingRefused("only the creator of this share may change it")
        for fixed in ("PathMapped", "User"):
            if fixed in data and data[fixed] != share[fixed]:
                raise SharingRefused(f"{fixed} of a share cannot be changed: delete the "
                                     "share and create a new one")
        sharing_policy.check_change(db.policy, user, share, data.get("Permissions"))
        return False
    if share["Owner"] != user and share["User"] != user:  # toggles
        raise SharingRefused("only the creator of this share or its sharee may "
                             f"{action} it")
    return False


def _create(db: ShareDatabase, user: str, request: SharingRequest) -> bool:
    data = request.data
    path = data.get("PathMapped")
    if path is None:
        return False  # Radicale: 400 Missing PathMapped
    letters = data.get("Permissions") or "r"
    if request.share_type == "token":
        sharing_policy.check_create_link(db.policy, user, path, letters, db.public_links)
        return False
    if data.get("User") is None or data.get("PathOrToken") is None:
        return False  # Radicale names the missing field
    sharing_policy.check_create_map(db.policy, user, path, letters, data["User"],
                                    data["PathOrToken"])
    return False


def _received(db: ShareDatabase, user: str, request: SharingRequest, path: str) -> bool:
    """A request on a path that is no stored share: a group share resolved for ``user``."""
    if request.share_type != "map" or request.action not in ("delete", *TOGGLES):
        return False
    share = db.received(user, path)
    if share is None:
        return False  # Radicale: 404
    if request.action == "delete":
        return db.unmount(user, path)
    return db.member_toggle(user, path, **TOGGLES[request.action])

"""Who calls the JSON API: HTTP Basic (RFC 7617) with the DAV login, checked here.

The API runs on a2wsgi's event loop and thread pool, where the request scope's
context variable (:func:`cms_dav.request_context.current`) is not set; so it never
relies on it. It reads the request's :class:`~cms_dav.request_context.RequestContext`
from the WSGI environ that a2wsgi keeps in the ASGI scope (``wsgi_environ``) and hands
the client address, the throttle's deferred delay and the actor on explicitly, as the
DAV auth plugin does. Writes are made through a store whose origin is door "api".

:class:`Caller` carries a scope for app passwords: a plain password is "full";
"read" may not change anything (every mutating route depends on :func:`writer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from cms_dav import request_context
from cms_dav.acl.scope import SHARE, WRITE, scope_allows
from cms_dav.api.problems import ApiProblem
from cms_dav.api.services import ApiServices
from cms_dav.request_context import RequestContext
from cms_dav.store.records import WriteOrigin
from cms_dav.store.store import Store

REALM = "cms_dav"
basic = HTTPBasic(auto_error=False, realm=REALM, description="The DAV login")


@dataclass(frozen=True)
class Caller:
    """The authenticated user of one API request and what its credential allows."""

    user: str
    scope: str = "full"

    @property
    def read_only(self) -> bool:
        return not scope_allows(self.scope, WRITE)

    @property
    def may_share(self) -> bool:
        return scope_allows(self.scope, SHARE)


@dataclass(frozen=True)
class Door:
    """One request's caller and services; ``store`` writes with origin door "api"."""

    caller: Caller
    services: ApiServices
    store: Store

    @property
    def user(self) -> str:
        return self.caller.user


def services_of(request: Request) -> ApiServices:
    services = request.app.state.services
    assert isinstance(services, ApiServices)
    return services


def context_of(request: Request) -> RequestContext:
    """The request scope's context, from the WSGI environ a2wsgi put in the ASGI scope."""
    environ: dict[str, Any] = request.scope.get("wsgi_environ") or {}
    context = environ.get(request_context.ENVIRON_KEY)
    # outside the WSGI stack (a test calling the ASGI app): the socket's address only
    return context if isinstance(context, RequestContext) else RequestContext(
        address=request.client.host if request.client else "")


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})


def _login(services: ApiServices, context: RequestContext, user: str, password: str
           ) -> str | None:
    """The scope the credentials grant, None when they are refused. The one place an
    app password's scope plugs in (issue 15 item 2); a plain password is "full"."""
    login = services.authenticator.login(user, password, context.address or None,
                                         context.defer_response, context.address_lockable)
    return login.scope if login else None


def caller(request: Request,
           credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]) -> Caller:
    """The authenticated caller; 401 with a Basic challenge otherwise."""
    if credentials is None:
        raise _unauthorized("this API needs HTTP Basic credentials (the DAV login)")
    context = context_of(request)
    scope = _login(services_of(request), context, credentials.username, credentials.password)
    if scope is None:
        raise _unauthorized("wrong user name or password, or too many failed logins")
    context.user = credentials.username  # for the request log
    return Caller(user=credentials.username, scope=scope)


def door(request: Request, who: Annotated[Caller, Depends(caller)]) -> Door:
    """Services for a reading route: the caller and the store writing as door "api"."""
    services = services_of(request)
    context = context_of(request)

    def origin_of(user: str) -> WriteOrigin:
        return WriteOrigin(user=user, door="api", address=context.address,
                           method=request.method)
    return Door(caller=who, services=services, store=services.store.with_origin(origin_of))


def writer(found: Annotated[Door, Depends(door)]) -> Door:
    """Services for a mutating route: refused (403) to a read-scoped credential."""
    if found.caller.read_only:
        raise ApiProblem(403, "this credential is read-only (scope \"read\")")
    return found


def sharer(found: Annotated[Door, Depends(writer)]) -> Door:
    """Services for a route that changes who sees data (shares): refused (403) to an app
    password without the sharing scope (:mod:`cms_dav.acl.scope`: "write" may not)."""
    if not found.caller.may_share:
        raise ApiProblem(403, f"this credential may not change shares (scope "
                              f"\"{found.caller.scope}\")")
    return found


Reader = Annotated[Door, Depends(door)]
Writer = Annotated[Door, Depends(writer)]
Sharer = Annotated[Door, Depends(sharer)]

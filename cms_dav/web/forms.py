"""Who is signed in and whether a POST is genuine: the session cookie, and the CSRF
token every form carries (synchroniser token; for the sign-in form, before any
session, a double-submit cookie). A POST without a matching token is refused 403."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from cms_dav.api.auth import Caller, Door, context_of
from cms_dav.api.problems import ApiProblem
from cms_dav.store.records import WriteOrigin
from cms_dav.web import sessions
from cms_dav.web.render import services_of
from cms_dav.web.sessions import Session

#: the sign-in form's token cookie (before there is a session)
SIGNIN_CSRF = "cms_dav_signin"
#: the most fields a form of ours may send
MAX_FIELDS = 20


class SignInNeeded(Exception):
    """No valid session: a page redirects to the sign-in form."""


async def form(request: Request) -> dict[str, str]:
    """The url-encoded form (the body is bounded by the mount's size check)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = parse_qs(body, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise ApiProblem(400, f"the form has more than {MAX_FIELDS} fields") from None
    return {name: values[0] for name, values in fields.items()}


Form = Annotated[dict[str, str], Depends(form)]


def session_of(request: Request) -> Session | None:
    return services_of(request).sessions.load(request.cookies.get(sessions.COOKIE))


def signed_in(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise SignInNeeded()
    context_of(request).user = session.user  # for the request log
    return session


def check_token(sent: str | None, expected: str | None) -> None:
    """403 unless the form's token is the expected one (compared in constant time)."""
    if not (sent and expected and hmac.compare_digest(str(sent), str(expected))):
        raise ApiProblem(403, "the form's CSRF token is missing or wrong; reload the page")


def posted(session: Annotated[Session, Depends(signed_in)], fields: Form) -> Session:
    """The session of a genuine POST: its form carries the session's CSRF token."""
    check_token(fields.get("csrf"), session.csrf)
    return session


def door_of(request: Request, session: Session) -> Door:
    """The JSON API's door for the session's user; writes are audited as door "web"."""
    services = services_of(request).api
    context = context_of(request)

    def origin_of(user: str) -> WriteOrigin:
        return WriteOrigin(user=user, door="web", address=context.address,
                           method=request.method)
    return Door(caller=Caller(user=session.user, scope=session.scope), services=services,
                store=services.store.with_origin(origin_of))


Page = Annotated[Session, Depends(signed_in)]
Post = Annotated[Session, Depends(posted)]

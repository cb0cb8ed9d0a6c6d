"""Signing in (the DAV login or an app password, through the Authenticator and its
login throttle), signing out, and choosing the language."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cms_dav.api.auth import context_of
from cms_dav.api.problems import ApiProblem
from cms_dav.web import i18n, routes_dashboard as dashboard, sessions
from cms_dav.web.forms import SIGNIN_CSRF, Form, Post, check_token, session_of
from cms_dav.web.render import language, page, redirect, secure, services_of
from cms_dav.web.sessions import Session

router = APIRouter()
HOME = "/app/contacts"
DASHBOARD = "/"
SIGNIN = "/app/signin"


def _signin_form(request: Request, status: int = 200, error: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "signin.html", None, status, csrf=token, error=error)
    response.set_cookie(SIGNIN_CSRF, token, httponly=True, samesite="strict",
                        secure=secure(request), path=SIGNIN)
    return response


@router.get("/")
def root(request: Request) -> Response:
    """The dashboard for a signed-in user, else the sign-in form."""
    session = session_of(request)
    if session is None:
        return redirect(request, SIGNIN, None)
    context_of(request).user = session.user  # for the request log
    return dashboard.show(request, session)


@router.get(SIGNIN)
def signin_form(request: Request) -> Response:
    return _signin_form(request)


@router.post(SIGNIN)
def signin(request: Request, fields: Form) -> Response:
    check_token(fields.get("csrf"), request.cookies.get(SIGNIN_CSRF))
    user, password = fields.get("user", "")[:200], fields.get("password", "")[:1000]
    context = context_of(request)
    login = services_of(request).api.authenticator.login(
        user, password, context.address or None, context.defer_response,
        context.address_lockable) if user and password else None
    if login is None:
        message = language(request).gettext("Wrong user name or password.")
        return _signin_form(request, 401, message)
    context.user = user
    session = services_of(request).sessions.begin(user, login.scope)
    return redirect(request, DASHBOARD, session)


@router.post("/app/signout")
def signout(request: Request, session: Post) -> Response:
    """Ends the session in the database (every copy of the cookie), then in the browser."""
    services_of(request).sessions.end(session)
    response = redirect(request, SIGNIN, None)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


def _local(target: str) -> str:
    """Only a path of this app: never an open redirect to another site."""
    if target == DASHBOARD:
        return target
    return target if target.startswith("/app/") and "//" not in target else HOME


@router.post("/app/language")
def choose_language(request: Request, fields: Form,
                    session: Annotated[Session | None, Depends(session_of)]) -> Response:
    code = fields.get("lang", "")
    if code not in i18n.LANGUAGES:
        raise ApiProblem(400, f"lang: one of {', '.join(i18n.LANGUAGES)}")
    if session is not None:
        check_token(fields.get("csrf"), session.csrf)
    response = redirect(request, _local(fields.get("next", HOME)), session)
    response.set_cookie(i18n.COOKIE, code, max_age=365 * 86400, samesite="lax",
                        secure=secure(request), path="/")
    return response

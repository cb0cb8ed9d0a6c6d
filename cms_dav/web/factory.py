"""Builds the web app (FastAPI, server-rendered pages) from its services: the pages
of :mod:`cms_dav.web.routes_session`, ``routes_contacts``, ``routes_edit``, ``routes_reports``
and ``routes_transfer``, the one
static script, the security headers on every answer, and refusals as HTML pages; its
templates and formats are loaded here, before the first request (:func:`render.warm`)."""

from __future__ import annotations

from pathlib import Path
from typing import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from cms_dav.api.problems import ApiProblem
from cms_dav.web.forms import SignInNeeded, session_of
from cms_dav.web.render import HEADERS, page, redirect, warm
from cms_dav.web.routes_contacts import router as contacts_router
from cms_dav.web.routes_duplicates import router as duplicates_router
from cms_dav.web.routes_create import router as create_router
from cms_dav.web.routes_edit import router as edit_router
from cms_dav.web.routes_segments import router as segments_router
from cms_dav.web.routes_session import SIGNIN
from cms_dav.web.routes_session import router as session_router
from cms_dav.web.routes_sharing import router as sharing_router
from cms_dav.web.routes_trash import router as trash_router
from cms_dav.web.routes_reports import router as reports_router
from cms_dav.web.routes_transfer import router as transfer_router
from cms_dav.web.services import WebServices

STATIC = "/app/static"


def build_web(services: WebServices) -> FastAPI:
    warm(services.templates, services.languages)
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.state.services = services
    web.include_router(session_router)
    web.include_router(create_router)
    web.include_router(contacts_router)
    web.include_router(edit_router)
    web.include_router(duplicates_router)
    web.include_router(sharing_router)
    web.include_router(segments_router)
    web.include_router(trash_router)
    web.include_router(reports_router)
    web.include_router(transfer_router)
    web.mount(STATIC, StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @web.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                      ) -> Response:
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    @web.exception_handler(SignInNeeded)
    def sign_in(request: Request, exc: SignInNeeded) -> Response:
        if request.method != "GET":
            return page(request, "error.html", None, 403,
                        message="sign in first (the session is over)")
        return redirect(request, SIGNIN, None)

    @web.exception_handler(ApiProblem)
    def refused(request: Request, exc: ApiProblem) -> Response:
        return page(request, "error.html", session_of(request), exc.status,
                    message=exc.detail)

    @web.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(".".join(str(p) for p in error.get("loc", ())) + ": " +
                          str(error.get("msg", "")) for error in exc.errors()[:5])
        return page(request, "error.html", session_of(request), 422, message=where)
    return web

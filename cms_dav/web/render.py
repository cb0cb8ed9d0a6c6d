"""Pages and answers of the web app: Jinja2 with autoescape on every template, the
chosen language's messages, the session cookie re-signed on each answer, and the
security headers on everything (CSP ``default-src 'self'``, no framing, no sniffing;
OWASP Secure Headers)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from babel import Locale
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, select_autoescape
from jinja2.bccache import Bucket

from cms_dav.api.auth import context_of
from cms_dav.web import i18n, sessions
from cms_dav.web.services import WebServices
from cms_dav.web.sessions import Session


def templates() -> Environment:
    """The pages, autoescaped whatever their name; ``|q`` quotes a URL path segment."""
    environment = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                              autoescape=select_autoescape(default=True,
                                                           default_for_string=True),
                              bytecode_cache=_compiled_pages())
    environment.filters["q"] = lambda value: quote(str(value), safe="")
    return environment


class _CompiledPages(FileSystemBytecodeCache):
    """Jinja's own cache of compiled pages, in a folder of the temp directory that only
    this OS user owns (Jinja checks owner and mode 0700; an entry is keyed by the page's
    source checksum, so an edited page is compiled anew). Compiling every page at each
    server start costs ~250 ms of CPU (:func:`warm`); loading them from here a fraction.
    A cache that cannot be written is no cache, never an error."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass


def _compiled_pages() -> FileSystemBytecodeCache | None:
    try:
        return _CompiledPages()
    except (OSError, RuntimeError):  # no usable temp folder: compile at each start
        return None


def warm(environment: Environment, languages: dict[str, i18n.Language]) -> None:
    """Compile every page and load each language's date and number formats now (the
    web app is built before the server listens), not in the first request of each
    page: that cost 100-400 ms of wall time per page kind on a fresh server."""
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)
    moment = datetime(2026, 1, 2, 3, 4, 5)
    for language in languages.values():
        language.date(moment)
        language.day(moment.date())
        format_decimal(1234.5, locale=Locale.parse(language.code, sep="-"))


HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def services_of(request: Request) -> WebServices:
    services = request.app.state.services
    assert isinstance(services, WebServices)
    return services


def language(request: Request) -> i18n.Language:
    code = i18n.choose(request.cookies.get(i18n.COOKIE),
                       request.headers.get("accept-language", ""))
    return services_of(request).languages[code]


def secure(request: Request) -> bool:
    """TLS to us, or a trusted proxy says the client used https (RFC 7239 spirit)."""
    if request.url.scheme == "https":
        return True
    context = context_of(request)
    proto = request.headers.get("x-forwarded-proto", "").strip().lower()
    return proto == "https" and services_of(request).proxies.trusts(context.peer)


def keep_session(request: Request, response: Response, session: Session | None) -> Response:
    """``response`` with the session cookie renewed (HttpOnly, SameSite=Lax)."""
    if session is not None:
        response.set_cookie(sessions.COOKIE, services_of(request).sessions.dump(session),
                            httponly=True, samesite="lax", secure=secure(request), path="/")
    return response


def page(request: Request, template: str, session: Session | None, status: int = 200,
         **context: Any) -> Response:
    lang = language(request)
    token = context.pop("csrf", "")  # the sign-in form's, before there is a session
    html = services_of(request).templates.get_template(template).render(
        _=lang.gettext, lang=lang, languages=i18n.LANGUAGES, session=session,
        csrf=session.csrf if session else token, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    return keep_session(request, response, session)


def redirect(request: Request, to: str, session: Session | None) -> Response:
    """303 See Other (RFC 9110 §15.4.4): after a POST the browser GETs ``to``."""
    return keep_session(request, RedirectResponse(to, status_code=303), session)

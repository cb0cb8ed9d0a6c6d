"""The reports page: the contacts report of :mod:`cms_dav.reports` (the one
``cms-dav report`` and ``GET /api/v1/reports/contacts`` make) as tables and server-side
SVG charts, over the address books the caller may read (or one of them). Which books
those are is the ACL policy's answer (:func:`cms_dav.reports.scope.books_for`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cms_dav.api.problems import ApiProblem
from cms_dav.contacts.query import address_books
from cms_dav.reports.build import Options
from cms_dav.reports.scope import ScopeError
from cms_dav.web.forms import Page
from cms_dav.web.render import language, page, services_of
from cms_dav.web.report_view import number, shown_sections

router = APIRouter()
REPORTS = "/app/reports"
#: rows of each list on the page (totals stay complete)
ROWS = 100


@router.get(REPORTS)
def reports(request: Request, session: Page,
            book: Annotated[str, Query(max_length=300)] = "",
            days: Annotated[int, Query(ge=1, le=36500)] = 90,
            ahead: Annotated[int, Query(ge=0, le=366)] = 30) -> Response:
    api = services_of(request).api
    with api.store.reading() as conn:
        books = [b.path for b in address_books(conn, api.policy, session.user)]
    options = Options(books=(book,) if book else (), user=session.user, days=days,
                      ahead=ahead, limit=ROWS)
    try:
        report = api.report(options)
    except ScopeError as exc:
        raise ApiProblem(404, str(exc)) from None
    lang = language(request)
    return page(request, "reports.html", session, books=books, book=book.strip("/"),
                days=days, ahead=ahead, generated=report.generated_at,
                cards=number(lang, report.cards), sections=shown_sections(report, lang),
                number=lambda value: number(lang, value))

"""The dashboard shown at ``/`` after sign-in: follow-ups due (overdue and the next
seven days), birthdays this week and recently changed contacts, across every address
book the caller may read (the ACL policy's "r"), each a bounded query of
:mod:`cms_dav.contacts.dashboard`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import Request
from fastapi.responses import Response

from cms_dav.contacts import dashboard
from cms_dav.contacts.query import address_books
from cms_dav.web.render import page, services_of
from cms_dav.web.sessions import Session

#: the most rows each part of the dashboard shows
SHOWN = 10
#: follow-ups due up to this many days ahead (today included)
AHEAD = 7


def _today(request: Request) -> date:
    """Today in the server's zone (the follow-up dates are calendar days)."""
    return datetime.now().astimezone().date()


def show(request: Request, session: Session) -> Response:
    api = services_of(request).api
    today = _today(request)
    with api.store.reading() as conn:
        books = address_books(conn, api.policy, session.user)
        due = dashboard.follow_ups_due(conn, books, today + timedelta(days=AHEAD - 1), SHOWN)
        birthdays = dashboard.birthdays_this_week(conn, books, today, SHOWN)
        changed = dashboard.recently_changed(conn, books, SHOWN)
    return page(request, "dashboard.html", session, due=due, birthdays=birthdays,
                changed=changed, today=today)

"""``CALDAV:expand`` for recurring tasks (RFC 4791 §9.6.5): Radicale expands VEVENTs
only and hands a recurring VTODO back whole, which clients then show once.

Around a calendar-query or calendar-multiget with ``<C:expand start end>``, this layer
lets Radicale answer (filters, rights and the event expansion stay Radicale's) and
then replaces each ``calendar-data`` that holds a recurring VTODO with its instances
in the range (:mod:`cms_dav.calendars.todo_instances`); a task with no instance there
is left out, as Radicale leaves out such an event, and so is a task outside the
query's VTODO time range (Radicale ignores that range when it expands). More instances than
``[limits] max_instances`` in the whole answer is 403 ``CALDAV:max-instances``.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Iterable
from xml.etree import ElementTree as ET

from cms_dav.calendars.todo_instances import TooManyInstances, Window, expand_todos
from cms_dav.config.settings import Limits
from cms_dav.limits.errors import LimitExceeded
from cms_dav.request_context import of as context_of
from cms_dav.wsgi.listing_request import CALDAV, DAV, parse_body
from cms_dav.wsgi.whole_answer import Answer, buffered_body, whole_answer

WSGIApp = Callable[..., Iterable[bytes]]

REPORTS = ("calendar-query", "calendar-multiget")
CALENDAR_DATA = CALDAV + "calendar-data"
#: RFC 4791 §9.6.5 start/end: UTC date-time in basic format
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
LATEST = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)


class TodoExpandMiddleware:
    def __init__(self, app: WSGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "").upper() != "REPORT" or \
                context_of(environ).report not in REPORTS:
            return self.app(environ, start_response)
        body = buffered_body(environ)
        root = parse_body(body, environ.get("CONTENT_TYPE", ""))
        window = _expand_window(root)
        if window is None:
            return self.app(environ, start_response)
        assert root is not None
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # the answer is rewritten as text
        answer = whole_answer(self.app, environ)
        if not answer.status.startswith("207"):
            return answer.send(start_response)
        try:
            rewritten = self._expanded(answer.body, window, _todo_time_range(root))
        except LimitExceeded as refusal:
            status, headers, text = refusal.render()
            return Answer(status, headers, text).send(start_response)
        if rewritten is None:
            return answer.send(start_response)
        headers = [(name, value) for name, value in answer.headers
                   if name.lower() != "content-length"]
        return Answer(answer.status, headers + [("Content-Length", str(len(rewritten)))],
                      rewritten).send(start_response)

    def _expanded(self, body: bytes, window: Window, time_range: Window | None
                  ) -> bytes | None:
        """Radicale's multistatus with the recurring tasks expanded and the tasks
        outside the query's time range left out (Radicale drops a query's time ranges
        when it expands and applies them to events only); None: unchanged."""
        if b"VTODO" not in body:
            return None
        root = ET.fromstring(body)
        left = self.limits.max_instances
        changed = False
        for response in list(root.iter(DAV + "response")):
            for data in response.iter(CALENDAR_DATA):
                try:
                    expanded = expand_todos(data.text or "", *window, left, time_range) \
                        if "VTODO" in (data.text or "") else None
                except TooManyInstances as exc:
                    raise LimitExceeded(403, "C:max-instances", str(exc)) from None
                if expanded is None:
                    continue
                text, count = expanded
                changed = True
                left -= count
                if count == 0:
                    root.remove(response)
                else:
                    data.text = text
        if not changed:
            return None
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _expand_window(root: ET.Element | None) -> Window | None:
    """The ``<C:expand>`` range of a calendar REPORT, or None (nothing to expand, or a
    malformed one Radicale refuses itself)."""
    expand = root.find(".//" + CALDAV + "expand") if root is not None else None
    if expand is None:
        return None
    try:
        return _moment(expand.get("start", "")), _moment(expand.get("end", ""))
    except ValueError:
        return None


def _todo_time_range(root: ET.Element) -> Window | None:
    """The query's time range for VTODOs (RFC 4791 §9.9); an open end is unbounded."""
    for comp_filter in root.iter(CALDAV + "comp-filter"):
        time_range = comp_filter.find(CALDAV + "time-range")
        if comp_filter.get("name", "").upper() == "VTODO" and time_range is not None:
            try:
                return (_moment(time_range.get("start", "")) if time_range.get("start")
                        else EARLIEST,
                        _moment(time_range.get("end", "")) if time_range.get("end")
                        else LATEST)
            except ValueError:
                return None
    return None


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=datetime.timezone.utc)

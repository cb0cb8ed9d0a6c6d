"""``CALDAV:expand`` for recurring tasks (RFC 4791 §9.6.5): Radicale expands VEVENTs
only and hands a recurring VTODO back whole, which clients then show once.

Around a calendar-query or calendar-multiget with ``<C:expand start end>``, this layer
lets Radicale answer (filters, rights and the event expansion stay Radicale's) and
then replaces each ``calendar-data`` that holds a recurring VTODO with its instances
in the range (:mod:`cms_dav.calendars.todo_instances`); a task with no instance there
is left out, as Radicale leaves out such an event. More instances than
``[limits] max_instances`` in the whole answer is 403 ``CALDAV:max-instances``.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Iterable
from xml.etree import ElementTree as ET

from cms_dav.calendars.todo_instances import TooManyInstances, expand_todos
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
        window = _expand_window(parse_body(body, environ.get("CONTENT_TYPE", "")))
        if window is None:
            return self.app(environ, start_response)
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # the answer is rewritten as text
        answer = whole_answer(self.app, environ)
        if not answer.status.startswith("207"):
            return answer.send(start_response)
        try:
            rewritten = self._expanded(answer.body, *window)
        except LimitExceeded as refusal:
            status, headers, text = refusal.render()
            return Answer(status, headers, text).send(start_response)
        if rewritten is None:
            return answer.send(start_response)
        headers = [(name, value) for name, value in answer.headers
                   if name.lower() != "content-length"]
        return Answer(answer.status, headers + [("Content-Length", str(len(rewritten)))],
                      rewritten).send(start_response)

    def _expanded(self, body: bytes, start: datetime.datetime, end: datetime.datetime
                  ) -> bytes | None:
        """Radicale's multistatus with the recurring tasks expanded; None: unchanged."""
        if b"VTODO" not in body:
            return None
        root = ET.fromstring(body)
        left = self.limits.max_instances
        changed = False
        for response in list(root.iter(DAV + "response")):
            for data in response.iter(CALENDAR_DATA):
                try:
                    expanded = expand_todos(data.text or "", start, end, left) \
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


def _expand_window(root: ET.Element | None
                   ) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The ``<C:expand>`` range of a calendar REPORT, or None (nothing to expand, or a
    malformed one Radicale refuses itself)."""
    if root is None:
        return None
    expand = root.find(".//" + CALDAV + "expand")
    if expand is None:
        return None
    try:
        start, end = (datetime.datetime.strptime(expand.get(key, ""), TIME_FORMAT)
                      .replace(tzinfo=datetime.timezone.utc) for key in ("start", "end"))
    except ValueError:
        return None
    return start, end

"""Calendars that come into being when their owner first uses them.

Some clients never send MKCALENDAR (RFC 4791 §5.3.1 makes it only RECOMMENDED): they
query or write ``/<user>/<name>/`` and expect the server to make the calendar, as
python-caldav's ``create-calendar.auto`` hint records. When Radicale answers a
``calendar-query`` REPORT on a missing collection directly
under the caller's own home with 404, or a PUT of an iCalendar object into one with
409 (no parent, RFC 4918 §9.7.1), this layer creates that calendar (the ACL policy
must grant the caller writing there; the per-user collection quota applies) and runs
the request again. Everything else, including other users' homes, deeper paths,
address books and a calendar deleted but still in the trash (another device that
has not seen the deletion yet must not bring it back), keeps Radicale's answer.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Callable, Iterable

from radicale import pathutils

from cms_dav.acl.policy import Policy
from cms_dav.io.trash import collection_in_trash
from cms_dav.request_context import of as context_of
from cms_dav.store.store import Store
from cms_dav.wsgi.whole_answer import buffered_body, whole_answer

logger = logging.getLogger(__name__)

WSGIApp = Callable[..., Iterable[bytes]]

#: the REPORT that asks a calendar collection for its objects
CALENDAR_REPORTS = ("calendar-query",)
#: the props a calendar made this way starts with (as MKCALENDAR without a body)
CALENDAR_PROPS = {"tag": "VCALENDAR",
                  "C:supported-calendar-component-set": "VEVENT,VTODO,VJOURNAL"}


class CalendarAutoCreateMiddleware:
    def __init__(self, app: WSGIApp, store: Store, policy: Policy) -> None:
        self.app = app
        self.store = store
        self.policy = policy

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        parts = pathutils.sanitize_path(environ.get("PATH_INFO", "")).strip("/").split("/")
        if method == "REPORT" and len(parts) == 2:
            wanted = context_of(environ).report in CALENDAR_REPORTS
            refusal = "404"
        elif method == "PUT" and len(parts) == 3:
            wanted = environ.get("CONTENT_TYPE", "").lower().startswith("text/calendar")
            refusal = "409"
        else:
            wanted = False
        # through the request's memo: an outer layer has looked the path up already
        if not wanted or self.store.resolve("/".join(parts[:2]),
                                            context_of(environ).memo) is not None:
            return self.app(environ, start_response)  # most requests: nothing to make
        body = buffered_body(environ)
        first = whole_answer(self.app, environ)
        if first.status.startswith(refusal) and self._create(environ, "/".join(parts[:2])):
            environ["wsgi.input"] = io.BytesIO(body)
            # what the first run remembered (no such collection) is stale now
            context_of(environ).memo.clear()
            return self.app(environ, start_response)
        return first.send(start_response)

    def _create(self, environ: dict[str, Any], path: str) -> bool:
        """Make the calendar ``path`` for the logged-in caller, if it is theirs to make."""
        user = context_of(environ).user
        owner, _, name = path.partition("/")
        if not user or owner != user or not pathutils.is_safe_path_component(name) \
                or name.startswith("."):
            return False
        if "w" not in self.policy.authorization(user, f"/{path}/") or \
                self.store.resolve(path) is not None or collection_in_trash(self.store, path):
            return False  # a deleted calendar is restored from the trash, not remade
        try:
            self.store.replace_collection(path, {**CALENDAR_PROPS, "D:displayname": name},
                                          (), user)
        except Exception:  # noqa: BLE001 - quota, races: the first answer stands
            logger.info("calendar /%s/ not created on first use", path, exc_info=True)
            return False
        logger.info("calendar /%s/ created on first use by %s", path, user)
        return True

"""CalDAV scheduling (RFC 6638) around Radicale, which has none.

- every answer's ``DAV`` header also says ``calendar-auto-schedule`` (RFC 6638 §2);
- PROPFIND of a principal: its scheduling properties
  (:mod:`cms_dav.wsgi.scheduling_principal`); the owner's inbox and outbox are made
  when the owner asks for their URLs (:mod:`cms_dav.scheduling.mailboxes`), so
  clients that do not schedule never see them;
- POST to one's own outbox: free-busy (:mod:`cms_dav.wsgi.scheduling_outbox`);
- PUT or DELETE of an event in one's own calendar, once Radicale stored it: implicit
  scheduling (RFC 6638 §3.2, :class:`cms_dav.scheduling.delivery.Scheduler`). An
  upload naming more attendees than scheduling delivers to is refused (403) before
  anything is stored.

Radicale authenticates every request first; this layer acts only for the user it let
in, on their own home.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable

from radicale import pathutils

from cms_dav.request_context import of as context_of
from cms_dav.scheduling.addresses import Addresses
from cms_dav.scheduling.delivery import DEFAULT_CALENDAR, Scheduler
from cms_dav.scheduling.freebusy import FreeBusyError
from cms_dav.scheduling.mailboxes import INBOX, OUTBOX, ensure_mailboxes
from cms_dav.store.records import CollectionRecord
from cms_dav.store.store import Store
from cms_dav.wsgi.plain_error import plain_error
from cms_dav.wsgi.scheduling_mailboxes import with_mailbox_types
from cms_dav.wsgi.scheduling_outbox import FreeBusyAnswerer, send_xml
from cms_dav.wsgi.scheduling_principal import INBOX_URL, OUTBOX_URL, with_scheduling_props
from cms_dav.wsgi.whole_answer import Answer, buffered_body, whole_answer

logger = logging.getLogger(__name__)

WSGIApp = Callable[..., Iterable[bytes]]
AUTO_SCHEDULE = "calendar-auto-schedule"


class SchedulingMiddleware:
    def __init__(self, app: WSGIApp, store: Store, addresses: Addresses,
                 scheduler: Scheduler, free_busy: FreeBusyAnswerer) -> None:
        self.app = app
        self.store = store
        self.addresses = addresses
        self.scheduler = scheduler
        self.free_busy = free_busy

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        start_response = _announcing(start_response)
        method = environ.get("REQUEST_METHOD", "").upper()
        parts = pathutils.sanitize_path(environ.get("PATH_INFO", "")).strip("/").split("/")
        if method == "PROPFIND" and parts[0] and (
                len(parts) == 1 or (len(parts) == 2 and parts[1] in (INBOX, OUTBOX))):
            return self._propfind(environ, start_response, parts[0])
        if method == "POST" and len(parts) == 2 and parts[1] == OUTBOX:
            return self._post(environ, start_response, parts[0])
        if method == "PUT" and len(parts) == 3 and parts[1] == OUTBOX:
            return plain_error(start_response, "403 Forbidden",
                               "the scheduling outbox takes only POST (RFC 6638 §2.1)")
        if method in ("PUT", "DELETE") and len(parts) == 3 and parts[1] != INBOX:
            return self._write(environ, start_response, method, parts)
        return self.app(environ, start_response)

    def _propfind(self, environ: dict[str, Any], start_response: Callable[..., Any],
                  owner: str) -> Iterable[bytes]:
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # the answer is rewritten as text
        answer = whole_answer(self.app, environ)
        if not answer.status.startswith("207"):
            return answer.send(start_response)
        prefix = environ.get("SCRIPT_NAME", "").rstrip("/")
        principal = f"{prefix}/{owner}/"
        body, filled = answer.body, set[str]()
        try:
            rewritten = with_scheduling_props(body, principal,
                                              self.addresses.of(owner, prefix))
            if rewritten is not None:
                body, filled = rewritten
            body = with_mailbox_types(body, principal,
                                      f"{principal}{DEFAULT_CALENDAR}/") or body
        except Exception:  # noqa: BLE001 - Radicale's answer stands if it is unexpected
            logger.warning("scheduling: principal answer not understood", exc_info=True)
            body = answer.body
        if body is answer.body:
            return answer.send(start_response)
        if context_of(environ).user == owner and filled & {INBOX_URL, OUTBOX_URL}:
            ensure_mailboxes(self.store, owner)  # a client that schedules looks for them
        headers = [(name, value) for name, value in answer.headers
                   if name.lower() != "content-length"]
        return Answer(answer.status, headers + [("Content-Length", str(len(body)))],
                      body).send(start_response)

    def _post(self, environ: dict[str, Any], start_response: Callable[..., Any],
              owner: str) -> Iterable[bytes]:
        body = buffered_body(environ)
        answer = whole_answer(self.app, environ)  # Radicale authenticates, then 405
        user = context_of(environ).user
        if not answer.status.startswith("405") or not user:
            return answer.send(start_response)
        if user != owner:
            return plain_error(start_response, "403 Forbidden",
                               "only the owner of an outbox may POST to it (RFC 6638 §2.1)")
        if not environ.get("CONTENT_TYPE", "").lower().startswith("text/calendar"):
            return plain_error(start_response, "415 Unsupported Media Type",
                               "an outbox takes text/calendar (RFC 6638 §5.1)")
        try:
            return send_xml(start_response,
                            self.free_busy.answer(user, body.decode("utf-8", "replace")))
        except FreeBusyError as problem:
            return plain_error(start_response, "400 Bad Request", str(problem))

    def _write(self, environ: dict[str, Any], start_response: Callable[..., Any],
               method: str, parts: list[str]) -> Iterable[bytes]:
        # through the request's memo: one lookup of the object's path finds the object,
        # its calendar and the home, which Radicale asks for next
        memo = context_of(environ).memo
        found = self.store.resolve("/".join(parts), memo)
        collection = found[0] if isinstance(found, tuple) else \
            self.store.collection("/".join(parts[:2]), memo)
        if collection is None or collection.tag != "VCALENDAR":
            return self.app(environ, start_response)
        if method == "PUT" and self.scheduler.too_many(
                buffered_body(environ).decode("utf-8", "replace")):
            return plain_error(start_response, "403 Forbidden",
                               f"an event may invite at most {self.scheduler.max_attendees}"
                               " attendees")
        old_text = found[1].text if isinstance(found, tuple) else None
        answer = whole_answer(self.app, environ)
        user = context_of(environ).user
        if answer.status[:1] == "2" and user == parts[0]:
            self._schedule(user, collection, parts[2], old_text)
        return answer.send(start_response)

    def _schedule(self, user: str, collection: CollectionRecord, href: str,
                  old_text: str | None) -> None:
        """Deliver what the write means; the write itself stands whatever happens."""
        try:
            text = self.store.item_text(collection.id, href)
            if text is not None:
                self.scheduler.written(user, text, old_text)
            elif old_text is not None:
                self.scheduler.deleted(user, old_text)
        except Exception:  # noqa: BLE001 - a failed delivery must not fail the write
            logger.warning("scheduling after %s's write failed", user, exc_info=True)


def _announcing(start_response: Callable[..., Any]) -> Callable[..., Any]:
    """``start_response`` that adds ``calendar-auto-schedule`` to a ``DAV`` header."""
    def announce(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                 ) -> Any:
        headers = [(name, f"{value}, {AUTO_SCHEDULE}"
                    if name.lower() == "dav" and AUTO_SCHEDULE not in value else value)
                   for name, value in headers]
        return start_response(status, headers, exc_info) if exc_info else \
            start_response(status, headers)
    return announce

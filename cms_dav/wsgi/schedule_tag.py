"""Schedule-Tag on calendar object resources (RFC 6638 §3.2.10, §3.3, §8.2, §8.3).

- GET/HEAD of a scheduling object resource answered 200 gets a ``Schedule-Tag``
  header (the tag is computed from the stored text:
  :mod:`cms_dav.scheduling.schedule_tag`);
- PUT/DELETE with ``If-Schedule-Tag-Match``: the tag of the stored object is compared
  before Radicale runs. On a match the request goes on with ``If-Match`` set to the
  stored ETag (unless the client sent one), so Radicale, under its storage lock,
  refuses it if the object changed in between; on a mismatch (or no scheduling
  object there) ``If-Match`` is set to a value no item has, so Radicale still
  authenticates and checks rights first (a stranger learns nothing) and answers 412,
  which this layer words as an If-Schedule-Tag-Match failure;
- a successful PUT of a scheduling object answers its new ``Schedule-Tag`` (§3.2.10);
- PROPFIND or REPORT (calendar-multiget, calendar-query) asking for
  ``CALDAV:schedule-tag`` (§8.2): Radicale reports it as 404; for each scheduling
  object in the answer this moves it to the 200 propstat with its value (the stored
  objects of one collection are read with one query). Only requests whose body names
  ``schedule-tag`` are rewritten; all others pass untouched.

Only paths ``/<home>/<calendar>/<item>`` of stored calendars are handled (mounted
shares are rewritten by Radicale and get no tag). The layer sits outside the fast GET
and the scheduling layer, so the tag of a PUT answer is that of the object after
implicit scheduling.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Callable, Iterable
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from radicale import pathutils

from cms_dav.scheduling.mailboxes import INBOX
from cms_dav.scheduling.schedule_tag import schedule_tag
from cms_dav.store.records import ItemRecord
from cms_dav.store.store import Store
from cms_dav.wsgi.plain_error import plain_error
from cms_dav.wsgi.listing_request import CALDAV, DAV
from cms_dav.wsgi.scheduling_principal import status_prop, take_requested
from cms_dav.wsgi.whole_answer import Answer, buffered_body, whole_answer

logger = logging.getLogger(__name__)

WSGIApp = Callable[..., Iterable[bytes]]
HEADER = "Schedule-Tag"
#: an If-Match value no stored item has: Radicale then answers 412 after its checks
_NO_ETAG = '"cms-dav-schedule-tag-mismatch"'
MAX_TAG = 200
SCHEDULE_TAG = CALDAV + "schedule-tag"


class ScheduleTagMiddleware:
    """``store``: the App's, handed over in App.wrap."""

    def __init__(self, app: WSGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        if method in ("PROPFIND", "REPORT") and b"schedule-tag" in buffered_body(environ):
            return self._listing(environ, start_response)
        if method not in ("GET", "HEAD", "PUT", "DELETE"):
            return self.app(environ, start_response)
        parts = pathutils.sanitize_path(environ.get("PATH_INFO", "")).strip("/").split("/")
        if len(parts) != 3 or not all(parts) or parts[1] == INBOX:
            return self.app(environ, start_response)  # inbox items are iTIP messages
        wanted = environ.get("HTTP_IF_SCHEDULE_TAG_MATCH")
        if method in ("PUT", "DELETE") and wanted is not None:
            record = self._record(parts)
            current = schedule_tag(record.text) if record and record.text else None
            if record is not None and current == wanted.strip()[:MAX_TAG]:
                environ.setdefault("HTTP_IF_MATCH", record.etag)
            else:
                return self._mismatch(environ, start_response, method, wanted)
        if method == "DELETE" or (
                method == "PUT" and b"organizer" not in buffered_body(environ).lower()):
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            # a GET of a card (or anything not a calendar object) costs no lookup
            if status[:1] == "2" and (method == "PUT" or any(
                    name.lower() == "content-type" and value.startswith("text/calendar")
                    for name, value in headers)):
                tag = self._answered_tag(parts)
                if tag is not None:
                    headers = [*headers, (HEADER, tag)]
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        return self.app(environ, start)

    def _answered_tag(self, parts: list[str]) -> str | None:
        """The tag for an answer Radicale already gave: a failed lookup leaves the answer
        without it (the write, if any, is done)."""
        try:
            record = self._record(parts)
        except Exception:  # noqa: BLE001 - the answer stands without the header
            logger.warning("schedule-tag: lookup failed", exc_info=True)
            return None
        return schedule_tag(record.text) if record and record.text else None

    def _record(self, parts: list[str]) -> ItemRecord | None:
        found = self.store.resolve("/".join(parts))  # one transaction
        if not isinstance(found, tuple) or found[0].tag != "VCALENDAR":
            return None
        return found[1]

    def _mismatch(self, environ: dict[str, Any], start_response: Callable[..., Any],
                  method: str, wanted: str) -> Iterable[bytes]:
        environ["HTTP_IF_MATCH"] = _NO_ETAG
        answer = whole_answer(self.app, environ)
        if not answer.status.startswith("412"):
            return answer.send(start_response)
        return plain_error(start_response, "412 Precondition Failed",
                           f"{method} refused: If-Schedule-Tag-Match {wanted[:MAX_TAG]!r}"
                           " does not match the Schedule-Tag of the stored scheduling"
                           " object (RFC 6638 §8.3)")

    def _listing(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # the answer is rewritten as text
        answer = whole_answer(self.app, environ)
        if not answer.status.startswith("207"):
            return answer.send(start_response)
        try:
            body = self._with_tags(answer.body, environ.get("SCRIPT_NAME", "").rstrip("/"))
        except ET.ParseError:  # Radicale's answer stands if it is not XML
            body = None
        if body is None:
            return answer.send(start_response)
        headers = [(name, value) for name, value in answer.headers
                   if name.lower() != "content-length"]
        return Answer(answer.status, headers + [("Content-Length", str(len(body)))],
                      body).send(start_response)

    def _with_tags(self, body: bytes, prefix: str) -> bytes | None:
        """The multistatus ``body`` with each requested schedule-tag of a scheduling
        object in the 200 propstat; None when none was asked for."""
        ET.register_namespace("", "DAV:")
        ET.register_namespace("C", CALDAV[1:-1])
        root = ET.fromstring(body)
        asked: dict[str, list[tuple[str, ET.Element]]] = defaultdict(list)
        for response in root.findall(DAV + "response"):
            href = unquote(response.findtext(DAV + "href") or "")
            if not take_requested(response, (SCHEDULE_TAG,)):
                continue
            if prefix and href.startswith(prefix + "/"):
                href = href[len(prefix):]
            collection, _, name = pathutils.sanitize_path(href).strip("/").rpartition("/")
            asked[collection].append((name, response))
        if not asked:
            return None
        for path, wanted in asked.items():
            tags = self._tags(path, [name for name, _ in wanted])
            for name, response in wanted:
                tag = tags.get(name)
                if tag is not None:
                    status_prop(response).append(_tag_element(tag))
                else:
                    status_prop(response, "404 Not Found").append(ET.Element(SCHEDULE_TAG))
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def _tags(self, path: str, names: list[str]) -> dict[str, str]:
        """Schedule-Tags of the scheduling objects ``names`` of collection ``path``."""
        collection = self.store.collection(path) if path else None
        if collection is None or collection.tag != "VCALENDAR":
            return {}
        tags = {}
        for name, record in self.store.items_by_href(collection.id, names).items():
            tag = schedule_tag(record.text) if record.text else None
            if tag is not None:
                tags[name] = tag
        return tags


def _tag_element(tag: str) -> ET.Element:
    element = ET.Element(SCHEDULE_TAG)
    element.text = tag
    return element

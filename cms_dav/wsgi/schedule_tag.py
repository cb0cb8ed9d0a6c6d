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
- a successful PUT of a scheduling object answers its new ``Schedule-Tag`` (§3.2.10).

Only paths ``/<home>/<calendar>/<item>`` of stored calendars are handled (mounted
shares are rewritten by Radicale and get no tag). The layer sits outside the fast GET
and the scheduling layer, so the tag of a PUT answer is that of the object after
implicit scheduling.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from radicale import pathutils

from cms_dav.scheduling.schedule_tag import schedule_tag
from cms_dav.store.records import ItemRecord
from cms_dav.store.store import Store
from cms_dav.wsgi.plain_error import plain_error
from cms_dav.wsgi.whole_answer import whole_answer

WSGIApp = Callable[..., Iterable[bytes]]
HEADER = "Schedule-Tag"
#: an If-Match value no stored item has: Radicale then answers 412 after its checks
_NO_ETAG = '"cms-dav-schedule-tag-mismatch"'
MAX_TAG = 200


class ScheduleTagMiddleware:
    """``store``: the App's, handed over in App.wrap."""

    def __init__(self, app: WSGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "").upper()
        if method not in ("GET", "HEAD", "PUT", "DELETE"):
            return self.app(environ, start_response)
        parts = pathutils.sanitize_path(environ.get("PATH_INFO", "")).strip("/").split("/")
        if len(parts) != 3 or not all(parts):
            return self.app(environ, start_response)
        wanted = environ.get("HTTP_IF_SCHEDULE_TAG_MATCH")
        if method in ("PUT", "DELETE") and wanted is not None:
            record = self._record(parts)
            current = schedule_tag(record.text) if record and record.text else None
            if record is not None and current == wanted.strip()[:MAX_TAG]:
                environ.setdefault("HTTP_IF_MATCH", record.etag)
            else:
                return self._mismatch(environ, start_response, method, wanted)
        if method == "DELETE":
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status[:1] == "2":
                record = self._record(parts)
                tag = schedule_tag(record.text) if record and record.text else None
                if tag is not None:
                    headers = [*headers, (HEADER, tag)]
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        return self.app(environ, start)

    def _record(self, parts: list[str]) -> ItemRecord | None:
        collection = self.store.collection("/".join(parts[:2]))
        if collection is None or collection.tag != "VCALENDAR":
            return None
        return self.store.item(collection.id, parts[2])

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

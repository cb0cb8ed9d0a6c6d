"""``GET /.cms/health``: is this node alive, and with ``?ready`` may it take traffic
(issue 17, item 4). No login, no data: a load balancer or orchestrator polls it.

* ``/.cms/health``: 200 ``{"status": "ok"}`` as long as the process answers HTTP
  (liveness).
* ``/.cms/health?ready``: also runs ``SELECT 1`` on the database and compares its
  Alembic revision with the code's head; 200 ``{"status": "ok", "database": "ok",
  "migrations": "current"}``, else 503 with the failing check named (readiness: the
  node should get no traffic until it passes). Nothing about the error's details (host
  names, SQL) is shown; the log has them.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from cms_dav.store.migrate import current_revision, head_revision

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

HEALTH_PATH = "/.cms/health"


class HealthMiddleware:
    def __init__(self, app: WSGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        self.head = head_revision(engine)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in (HEALTH_PATH, HEALTH_PATH + "/"):
            return self.app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD") or "").upper()
        if method not in ("GET", "HEAD"):
            return answer(start_response, "405 Method Not Allowed",
                          {"status": "error", "error": f"{method} is not allowed on "
                           f"{HEALTH_PATH}: use GET"}, (("Allow", "GET, HEAD"),),
                          head=False)
        query = str(environ.get("QUERY_STRING") or "")
        if "ready" not in query.split("&") and not query.startswith("ready="):
            return answer(start_response, "200 OK", {"status": "ok"}, head=method == "HEAD")
        report = self.readiness()
        ready = report["database"] == "ok" and report["migrations"] == "current"
        report = {"status": "ok" if ready else "unavailable", **report}
        return answer(start_response, "200 OK" if ready else "503 Service Unavailable",
                      report, head=method == "HEAD")

    def readiness(self) -> dict[str, str]:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            revision = current_revision(self.engine)
        except SQLAlchemyError as exc:
            logger.warning("readiness check: database unreachable: %s", exc)
            return {"database": "unreachable", "migrations": "unknown"}
        if revision != self.head:
            logger.warning("readiness check: database at migration %s, code expects %s",
                           revision, self.head)
            return {"database": "ok", "migrations": "behind" if revision else "missing"}
        return {"database": "ok", "migrations": "current"}


def answer(start_response: Callable[..., Any], status: str, body: dict[str, str],
           headers: Iterable[tuple[str, str]] = (), *, head: bool) -> list[bytes]:
    data = (json.dumps(body) + "\n").encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store"), *headers])
    return [] if head else [data]

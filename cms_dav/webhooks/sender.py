"""One webhook delivery attempt, from the outbox dispatcher (never on a request path).

POST of a JSON body (:func:`body`) signed as :mod:`.signing` says. A 2xx answer is
delivered; anything else (another status, a redirect, which is never followed, a
timeout, a refused connection) is retried by the outbox's backoff. Each attempt lands in
the log (``cms-dav webhook log``); an endpoint whose events fail ``disable_after`` times
in a row (each given up after the retry window) is disabled. The endpoint's owner must
still be allowed to read the event's collection (:class:`~cms_dav.acl.policy.Policy`),
else the delivery is dropped unsent.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from cms_dav import __version__
from cms_dav.acl.policy import Policy
from cms_dav.config import Settings
from cms_dav.outbox import queue
from cms_dav.outbox.dispatcher import Backoff, Outcome
from cms_dav.outbox.events import OutboxEvent
from cms_dav.outbox.queue import Delivery
from cms_dav.webhooks import CONSUMER, endpoints, signing, urls
from cms_dav.webhooks.endpoints import Attempt, Endpoint
from cms_dav.webhooks.urls import BadEndpoint, check_address, check_url

log = logging.getLogger("cms_dav.webhooks")

#: bytes of an answer read (for the log); the rest is not waited for
MAX_ANSWER = 4096


def body(event: OutboxEvent) -> bytes:
    """The JSON a receiver gets: the event id is stable across retries (deduplicate by it)."""
    collection = f"/{event.collection}/"
    document: dict[str, Any] = {
        "id": event.id, "type": event.kind,
        "occurred_at": datetime.fromtimestamp(event.created_at, timezone.utc)
        .isoformat(timespec="seconds").replace("+00:00", "Z"),
        "collection": collection, "href": collection + event.href if event.href else None,
        "actor": event.actor, "door": event.door, "sync_token": event.sync_token or None,
        **event.payload}
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode()


@dataclass(frozen=True)
class Answer:
    status: int
    error: str = ""


def post(url: str, payload: bytes, headers: dict[str, str], timeout: float,
         allow_insecure: bool, option: str = urls.OPTION) -> Answer:
    """POST once, following no redirect; status 0 with an error when nothing answered
    (``option``: the setting a refused address names)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        check_address(host, port, allow_insecure, option)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", target, body=payload, headers=headers)
            response = connection.getresponse()
            response.read(MAX_ANSWER)
            error = "" if 200 <= response.status < 300 else f"HTTP {response.status}"
            if 300 <= response.status < 400:
                error += " (redirects are not followed)"
            return Answer(response.status, error)
        finally:
            connection.close()
    except BadEndpoint as exc:
        return Answer(0, str(exc))
    except (OSError, http.client.HTTPException) as exc:
        return Answer(0, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


@dataclass
class WebhookSender:
    """The outbox :class:`~cms_dav.outbox.dispatcher.Sender` of webhooks."""

    engine: Engine
    policy: Policy
    backoff: Backoff
    timeout: float = 10.0
    disable_after: int = 5
    allow_insecure: bool = False
    #: attempts older than this leave the log
    log_days: int = 30
    consumer: str = CONSUMER

    def deliver(self, delivery: Delivery) -> Outcome:
        endpoint = endpoints.get(self.engine, int(delivery.target))
        refusal = self._refusal(endpoint, delivery.event)
        if refusal or endpoint is None:
            self._log(delivery, 0, refusal or "endpoint removed", 0.0, queue.DROPPED)
            return Outcome.drop(refusal or "endpoint removed")
        payload = body(delivery.event)
        now = int(time.time())
        headers = {"Content-Type": "application/json", "User-Agent": f"cms-dav/{__version__}",
                   signing.ID_HEADER: str(delivery.event.id),
                   signing.EVENT_HEADER: delivery.event.kind,
                   signing.TIMESTAMP_HEADER: str(now),
                   signing.SIGNATURE_HEADER: signing.signature(endpoint.secret, now, payload)}
        started = time.monotonic()
        answer = post(endpoint.url, payload, headers, self.timeout, self.allow_insecure)
        took = (time.monotonic() - started) * 1000
        if not answer.error:
            self._log(delivery, answer.status, "", took, queue.DELIVERED)
            endpoints.event_delivered(self.engine, endpoint.id)
            return Outcome.delivered(f"HTTP {answer.status}")
        self._log(delivery, answer.status, answer.error, took, "retry")
        return Outcome.retry(answer.error)

    def gave_up(self, delivery: Delivery, detail: str) -> None:
        endpoint_id = int(delivery.target)
        self._log(delivery, 0, f"given up: {detail}", 0.0, queue.FAILED)
        if endpoints.event_failed(self.engine, endpoint_id, self.disable_after, detail):
            dropped = queue.drop_pending(self.engine, self.consumer, delivery.target,
                                         "endpoint disabled")
            log.warning("webhook %d disabled after %d failed events (%d pending dropped)",
                        endpoint_id, self.disable_after, dropped)

    def tidy(self, now: float) -> None:
        endpoints.prune_attempts(self.engine, now - self.log_days * 86400.0)

    def _refusal(self, endpoint: Endpoint | None, event: OutboxEvent) -> str:
        """Why this delivery must not be sent ("" = it may)."""
        if endpoint is None:
            return "endpoint removed"
        if not endpoint.enabled:
            return "endpoint disabled"
        try:
            check_url(endpoint.url, self.allow_insecure)
        except BadEndpoint as exc:
            return str(exc)
        if endpoint.owner:
            letters = self.policy.authorization(endpoint.owner, f"/{event.collection}/")
            if "r" not in letters.lower():
                return f"owner {endpoint.owner!r} may not read /{event.collection}/"
        return ""

    def _log(self, delivery: Delivery, status: int, error: str, took: float,
             result: str) -> None:
        endpoints.log_attempt(self.engine, Attempt(
            endpoint_id=int(delivery.target), event_id=delivery.event.id,
            event_kind=delivery.event.kind, attempt=delivery.attempt, at=time.time(),
            status=status, error=error, duration_ms=round(took, 1), result=result))


def webhook_sender(engine: Engine, policy: Policy, settings: Settings) -> WebhookSender:
    """The sender for ``[webhooks]`` settings (built by :func:`cms_dav.app.build_app`)."""
    return WebhookSender(engine, policy,
                         Backoff(settings.webhooks_retry_base, settings.webhooks_retry_cap,
                                 settings.webhooks_retry_for),
                         timeout=settings.webhooks_timeout,
                         disable_after=settings.webhooks_disable_after,
                         allow_insecure=settings.webhooks_allow_insecure_endpoints,
                         log_days=settings.webhooks_log_days)

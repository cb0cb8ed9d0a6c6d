"""One WebDAV-Push message per delivery, from the outbox dispatcher (never on a request
path): an RFC 8030 push message POSTed to the subscription's push resource, its body
the ``push-message`` XML encrypted per RFC 8291 (``aes128gcm``, RFC 8188) with the
client's keys, signed per RFC 8292 with the server's VAPID key.

- A subscriber no longer allowed to read the collection (:class:`Policy`: a share
  revoked, a group left) gets one last message, with the topic and no sync token, so
  the client syncs, finds the collection gone and forgets it; the subscription is then
  removed, and no later change reaches it. A delivery whose subscription expired or was
  removed is dropped unsent.
- A share granted (see :mod:`.route`) reaches the sharee's devices as a ``push-message``
  without a topic, i.e. about no single collection: DAVx5 (``PushMessageHandler``)
  then syncs the whole account, where the new collection appears. No ``Topic`` header
  either, so a push service does not let it replace a waiting content message.
- The sync token is the collection's newest at send time: deliveries coalesced by
  :mod:`.route` carry all changes so far.
- ``[push] min_interval``: a subscription sent to less than that ago waits (a retry
  whose backoff starts at that interval).
- 404/410 from the push service: the subscription is gone (RFC 8030 §7.3); it is
  removed and the delivery dropped. Other errors are retried by the outbox backoff.
- The RFC 8030 ``Topic`` header is the collection's topic, so a push service holding
  an undelivered message for the same collection replaces it (§5.4).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Callable

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, select

from cms_dav.acl.policy import Policy
from cms_dav.config import Settings
from cms_dav.outbox.dispatcher import Backoff, Outcome
from cms_dav.outbox.queue import Delivery
from cms_dav.outbox.events import SHARED
from cms_dav.push import CONSUMER, subscriptions
from cms_dav.push.route import share_change
from cms_dav.push.subscriptions import Subscription
from cms_dav.push.vapid import VapidKey, b64url_decode
from cms_dav.push.xml import push_message
from cms_dav.store import sync
from cms_dav.store.engine import read_tx
from cms_dav.store.schema import collections
from cms_dav.webhooks.sender import post
from cms_dav.webhooks.urls import BadEndpoint, check_url

log = logging.getLogger("cms_dav.push")

OPTION = "[push] allow_insecure_endpoints"
#: seconds a push service keeps a message for an offline device (RFC 8030 §5.2)
TTL = 86400


def encrypt(payload: bytes, subscription: Subscription) -> bytes:
    """``payload`` encrypted for the subscription's client (RFC 8291 §3-4)."""
    return bytes(http_ece.encrypt(
        payload, salt=os.urandom(16), private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=b64url_decode(subscription.public_key),
        auth_secret=b64url_decode(subscription.auth_secret), version="aes128gcm"))


def current_token(engine: Engine, collection: str, fallback: str) -> str:
    with read_tx(engine) as conn:
        row = conn.execute(select(collections.c.sync_seq, collections.c.sync_epoch)
                           .where(collections.c.path == collection)).first()
    return sync.make_token(row.sync_epoch, int(row.sync_seq)) if row is not None else fallback


@dataclass
class PushSender:
    """The outbox :class:`~cms_dav.outbox.dispatcher.Sender` of WebDAV-Push."""

    engine: Engine
    policy: Policy
    key: VapidKey
    backoff: Backoff
    contact: str
    min_interval: float = 5.0
    timeout: float = 10.0
    allow_insecure: bool = False
    consumer: str = CONSUMER
    #: waits, after the current token was read, for the WAL fsync of a deferred DAV
    #: write it may count (``Store.settle``; cms_dav.store.durability): a client keeps it
    settle: Callable[[], None] = lambda: None

    def deliver(self, delivery: Delivery) -> Outcome:
        subscription = subscriptions.get(self.engine, delivery.target)
        if subscription is None:
            return Outcome.drop("subscription removed or expired")
        try:
            check_url(subscription.push_resource, self.allow_insecure, OPTION)
        except BadEndpoint as exc:
            return Outcome.drop(str(exc))
        now = time.time()
        if subscription.last_sent_at + self.min_interval > now:
            return Outcome.retry("rate limited: waits for [push] min_interval")
        topic = self.key.topic(subscription.collection)
        if not self._may_read(subscription):
            outcome = self._send(subscription, push_message(topic, ""), topic, now)
            if outcome.result == "delivered":
                subscriptions.unregister(self.engine, subscription.id)
                log.info("push subscription %s removed: %r may no longer read /%s/",
                         subscription.id[:8], subscription.user, subscription.collection)
                return Outcome.delivered(f"{outcome.detail}; last message, the subscriber "
                                         "may no longer read the collection")
            return outcome
        if share_change(delivery.event) == SHARED \
                and subscription.collection != delivery.event.collection:
            return self._send(subscription, push_message("", ""), "", now)
        token = current_token(self.engine, subscription.collection,
                              delivery.event.sync_token)
        self.settle()
        return self._send(subscription, push_message(topic, token), topic, now)

    def _send(self, subscription: Subscription, payload: bytes, topic: str,
              now: float) -> Outcome:
        """POST one encrypted message; the outcome (404/410 remove the subscription)."""
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Encoding": "aes128gcm", "TTL": str(TTL), "Urgency": "normal",
                   "Authorization": self.key.authorization(subscription.push_resource,
                                                           self.contact)}
        if topic:
            headers["Topic"] = topic
        answer = post(subscription.push_resource, encrypt(payload, subscription), headers,
                      self.timeout, self.allow_insecure, OPTION)
        if 200 <= answer.status < 300:
            subscriptions.sent(self.engine, subscription.id, now)
            return Outcome.delivered(f"HTTP {answer.status}")
        if answer.status in (404, 410):
            subscriptions.unregister(self.engine, subscription.id)
            log.info("push subscription %s removed: the push service answered %d",
                     subscription.id[:8], answer.status)
            return Outcome.drop(f"HTTP {answer.status}: subscription removed")
        return Outcome.retry(answer.error or f"HTTP {answer.status}")

    def gave_up(self, delivery: Delivery, detail: str) -> None:
        log.warning("push message for subscription %s given up: %s", delivery.target[:8],
                    detail)

    def tidy(self, now: float) -> None:
        subscriptions.prune(self.engine, now)

    def _may_read(self, subscription: Subscription) -> bool:
        letters = self.policy.authorization(subscription.user, f"/{subscription.collection}/")
        return "r" in letters.lower()


def push_sender(engine: Engine, policy: Policy, key: VapidKey,
                settings: Settings, settle: Callable[[], None] = lambda: None) -> PushSender:
    """The sender for ``[push]`` settings (built by :func:`cms_dav.app.build_app`)."""
    return PushSender(engine, policy, key, settle=settle,
                      backoff=Backoff(settings.push_min_interval, 600.0, settings.push_retry_for),
                      contact=settings.push_contact, min_interval=settings.push_min_interval,
                      timeout=settings.push_timeout,
                      allow_insecure=settings.push_allow_insecure_endpoints)

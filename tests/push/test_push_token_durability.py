"""A push message's sync token (RFC 6578) leaves only once the commit it counts is on
disk: the sender settles the store's deferred WAL fsync after reading it
(cms_dav.store.durability, round eight)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from cms_dav.outbox.dispatcher import Backoff, Outcome
from cms_dav.outbox.events import OutboxEvent
from cms_dav.outbox.queue import Delivery
from cms_dav.push import sender
from cms_dav.push.subscriptions import Subscription
from cms_dav.push.vapid import load


def test_a_push_token_is_sent_only_after_the_store_settled_its_fsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    subscription = Subscription("s1", "alice", "alice/contacts", "https://push.example/1",
                                "k", "a", 1e12, 0.0)
    monkeypatch.setattr(sender.subscriptions, "get", lambda engine, target: subscription)
    monkeypatch.setattr(sender, "check_url", lambda *args: None)
    monkeypatch.setattr(sender, "current_token",
                        lambda engine, collection, fallback: events.append("token read")
                        or "token")

    class Recording(sender.PushSender):
        def _may_read(self, subscription: Subscription) -> bool:
            return True

        def _send(self, subscription: Subscription, payload: bytes, topic: str,
                  now: float) -> Outcome:
            events.append("sent")
            return Outcome.delivered("HTTP 201")

    push = Recording(engine=cast(Any, None), policy=cast(Any, None), key=load(tmp_path),
                     backoff=Backoff(), contact="", min_interval=0.0,
                     settle=lambda: events.append("settled"))
    event = OutboxEvent(kind="contact.updated", collection="alice/contacts",
                        created_at=0.0, owner="alice")
    push.deliver(Delivery(1, "push", "s1", 1, event))
    assert events == ["token read", "settled", "sent"]

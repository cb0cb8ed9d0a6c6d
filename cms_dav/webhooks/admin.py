"""What ``cms-dav webhook`` does: register, list, enable, remove, and read the log.

Who an endpoint is for: ``owner`` names the user whose rights (rights file, groups,
shares: :class:`~cms_dav.acl.policy.Policy`) bound the events it gets: an admin on the
rights file's ``admins`` list sees every collection, another user their own and what is
granted or shared to them. Without an owner the endpoint is the local admin's (whoever
runs the CLI can read the data dir anyway): every collection. A ``collection`` the owner
may not read is refused at registration, and every delivery asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import Engine

from cms_dav.acl.policy import Policy
from cms_dav.outbox import queue
from cms_dav.outbox.events import KINDS
from cms_dav.store import audit
from cms_dav.store.paths import strip
from cms_dav.store.store import Store
from cms_dav.webhooks import CONSUMER, endpoints, signing
from cms_dav.webhooks.urls import check_url

#: at most this many endpoints (each write reads them all)
MAX_ENDPOINTS = 100


class WebhookError(ValueError):
    """A webhook request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Registered:
    id: int
    secret: str


def parse_events(raw: str) -> tuple[str, ...]:
    """A comma-separated list of event kinds, each known."""
    wanted = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not wanted:
        raise WebhookError("--events names no event")
    unknown = [kind for kind in wanted if kind not in KINDS]
    if unknown:
        raise WebhookError(f"unknown event {unknown[0]!r} (known: {', '.join(KINDS)})")
    return wanted


def register(store: Store, policy: Policy, users: Iterable[str], actor: str, url: str,
             events: Sequence[str], collection: str = "", owner: str = "",
             allow_insecure: bool = False) -> Registered:
    """Add an endpoint; its secret is returned once (the caller shows it)."""
    try:
        check_url(url, allow_insecure)
    except ValueError as exc:
        raise WebhookError(f"URL refused: {exc}") from None
    if owner and owner not in set(users):
        raise WebhookError(f"no user {owner!r}")
    path = strip(collection)
    if collection and store.collection(path) is None:
        raise WebhookError(f"no collection /{path}/")
    if owner and path and "r" not in policy.authorization(owner, f"/{path}/").lower():
        raise WebhookError(f"{owner!r} may not read /{path}/: the endpoint would get "
                           "nothing")
    if len(endpoints.every(store.engine)) >= MAX_ENDPOINTS:
        raise WebhookError(f"at most {MAX_ENDPOINTS} endpoints")
    secret = signing.new_secret()
    endpoint_id = endpoints.add(store.engine, url, secret, events, path, owner)
    with store.writing() as conn:
        audit.record(conn, store.origin(actor), "webhook.add", url,
                     {"id": endpoint_id, "events": list(events), "collection": path,
                      "owner": owner})
    return Registered(endpoint_id, secret)


def remove(store: Store, actor: str, endpoint_id: int) -> None:
    if not endpoints.remove(store.engine, endpoint_id):
        raise WebhookError(f"no webhook {endpoint_id}")
    queue.drop_pending(store.engine, CONSUMER, str(endpoint_id), "endpoint removed")
    with store.writing() as conn:
        audit.record(conn, store.origin(actor), "webhook.remove", str(endpoint_id), {})


def enable(store: Store, actor: str, endpoint_id: int) -> None:
    if not endpoints.set_enabled(store.engine, endpoint_id):
        raise WebhookError(f"no webhook {endpoint_id}")
    with store.writing() as conn:
        audit.record(conn, store.origin(actor), "webhook.enable", str(endpoint_id), {})


def require(engine: Engine, endpoint_id: int) -> endpoints.Endpoint:
    found = endpoints.get(engine, endpoint_id)
    if found is None:
        raise WebhookError(f"no webhook {endpoint_id}")
    return found

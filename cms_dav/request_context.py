"""Per-request facts shared between the WSGI layer and the plugins (one thread per request)."""

from __future__ import annotations

import threading
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

_local = threading.local()


def begin_request() -> None:
    _local.actor = ""
    _local.modified_upload = False
    _local.memo = {}


def end_request() -> None:
    """Drop this thread's per-request state (tests, and threads reused for other work)."""
    _local.memo = None


def in_request() -> bool:
    """True between :func:`begin_request` and the end of that request's thread work."""
    return getattr(_local, "memo", None) is not None


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """Compute once per request; outside a request (CLI) always compute.

    For lookups Radicale repeats within one request (its share resolver asks for the
    same shares once per path prefix); writers call :func:`forget`.
    """
    memo = getattr(_local, "memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget() -> None:
    memo = getattr(_local, "memo", None)
    if memo:
        memo.clear()


def set_actor(actor: str) -> None:
    _local.actor = actor


def actor() -> str:
    return getattr(_local, "actor", "")


def mark_modified_upload() -> None:
    """The store kept something the client's upload lacked: its bytes were not stored as-is."""
    _local.modified_upload = True


def upload_was_modified() -> bool:
    return getattr(_local, "modified_upload", False)

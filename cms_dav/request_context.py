"""Per-request facts shared between the WSGI layer and the plugins (one thread per request)."""

from __future__ import annotations

import threading
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

_local = threading.local()


def begin_request() -> None:
    _local.actor = ""
    _local.response_delay = 0.0
    _local.modified_upload = False
    _local.memo = {}
    _local.refusal = None
    _local.work = None


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


def refuse(refusal: Exception) -> None:
    """Remember why a layer inside Radicale refused this request: Radicale answers a bare
    400, which ``cms_dav.wsgi.limits`` replaces with the refusal's own answer."""
    _local.refusal = refusal


def refusal() -> Exception | None:
    return getattr(_local, "refusal", None)


def set_work_limits(limits: object | None) -> None:
    """The per-request work limits (``cms_dav.limits.work.WorkLimits``) of this request,
    or None outside the DAV layer (CLI: unbounded)."""
    _local.work = limits


def work_limits() -> object | None:
    return getattr(_local, "work", None)


def defer_response(seconds: float) -> None:
    """Hold this request's answer back ``seconds`` (a failed login's throttle delay)
    without holding the worker thread: see :mod:`cms_dav.wsgi.response_delay`."""
    _local.response_delay = max(getattr(_local, "response_delay", 0.0), seconds)


def take_response_delay() -> float:
    delay: float = getattr(_local, "response_delay", 0.0)
    _local.response_delay = 0.0
    return delay

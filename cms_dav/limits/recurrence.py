"""Caps on recurrence expansion and query time inside Radicale's REPORT code.

- Every recurrence rule iteration (dateutil ``rrule._iter``, which expand, free-busy,
  time-range filters and limit-recurrence-set all go through) counts the instances it
  produces for the current request and stops past ``max_instances_examined``: a
  FREQ=SECONDLY event asked about a date a century away is refused in milliseconds
  instead of iterating billions of seconds.
- Radicale's own occurrence cap ("REPORT occurrences limit") becomes
  403 ``CALDAV:max-instances`` (RFC 4791 §5.2.8, §9.6.5) with a description.
- Each item filtered by a calendar-query or addressbook-query first checks the query's
  time budget (``cms_dav.limits.work``).
Installed once per process by the limits layer; a no-op outside a request.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Iterator

from dateutil import rrule as dateutil_rrule
from radicale.app import report as radicale_report

from cms_dav import request_context
from cms_dav.limits import work
from cms_dav.limits.errors import LimitExceeded

_installed = False
_install_lock = threading.Lock()
#: instances between two looks at the clock
_CLOCK_EVERY = 1024


def find_refusal(exc: BaseException | None) -> LimitExceeded | None:
    """The LimitExceeded behind ``exc`` (Radicale re-wraps what filters raise)."""
    seen = 0
    while exc is not None and seen < 16:
        if isinstance(exc, LimitExceeded):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _counted_iter(original: Callable[[Any], Iterator[Any]]) -> Callable[[Any], Iterator[Any]]:
    @functools.wraps(original)
    def _iter(self: Any) -> Iterator[Any]:
        limits = work.current()
        if limits is None:
            yield from original(self)
            return
        cap = limits.max_instances_examined
        for number, value in enumerate(original(self), 1):
            if number > cap:
                raise limits.too_many_examined()
            if number % _CLOCK_EVERY == 0:
                limits.check_deadline()
            yield value
    return _iter


def _refusing(original: Callable[..., Any], tag: str) -> Callable[..., Any]:
    """Run a Radicale report function; turn its limit errors into a named refusal."""
    @functools.wraps(original)
    def report(*args: Any, **kwargs: Any) -> Any:
        try:
            return original(*args, **kwargs)
        except ValueError as exc:
            refusal = find_refusal(exc)
            if refusal is None and "occurrences limit" in str(exc):
                refusal = LimitExceeded(
                    403, work.MAX_INSTANCES,
                    f"the {tag} would return more recurrence instances than the limit "
                    f"of {_limit_of(exc)} ([limits] max_instances); choose a smaller "
                    f"time-range")
            if refusal is not None:
                context = request_context.current()
                if context is not None:
                    context.refuse(refusal)
                raise refusal from None
            raise
    return report


def _limit_of(exc: ValueError) -> str:
    words = str(exc).split()
    return words[-2] if len(words) >= 2 and words[-2].isdigit() else words[-1].rstrip(".")


def _budgeted(original: Callable[..., bool]) -> Callable[..., bool]:
    @functools.wraps(original)
    def test_filter(*args: Any, **kwargs: Any) -> bool:
        work.check_deadline()
        return original(*args, **kwargs)
    return test_filter


def install() -> None:
    """Patch dateutil and Radicale's report module once per process."""
    global _installed
    with _install_lock:
        if _installed:
            return
        rule_class: Any = dateutil_rrule.rrule
        for owner, name in ((rule_class, "_iter"), (radicale_report, "xml_report"),
                            (radicale_report, "free_busy_report"),
                            (radicale_report, "test_filter")):
            if not callable(getattr(owner, name, None)):
                raise RuntimeError(f"{owner.__name__}.{name} is gone: the recurrence "
                                   f"limits of cms_dav.limits.recurrence need updating "
                                   f"for this dateutil/Radicale version")
        rule_class._iter = _counted_iter(rule_class._iter)
        radicale_report.xml_report = _refusing(radicale_report.xml_report, "report")
        radicale_report.free_busy_report = _refusing(radicale_report.free_busy_report,
                                                     "free-busy report")
        radicale_report.test_filter = _budgeted(radicale_report.test_filter)
        _installed = True

"""Per-request work limits: recurrence instances examined, and the query time budget.

The WSGI limits layer puts a :class:`WorkLimits` on the request context
(``RequestContext.work``) for the requests that may expand recurrences or run queries;
the patched loops in ``cms_dav.limits.recurrence`` consult it through
``request_context.current()``, since Radicale calls them without the environ. Outside a
request (CLI) nothing is bounded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cms_dav import request_context
from cms_dav.limits.errors import LimitExceeded

#: RFC 4791 §9.6.5 / §5.2.8 style: the event would produce more instances than allowed
MAX_INSTANCES = "C:max-instances"
#: RFC 4918 / RFC 5323: the server limits how much a query may match or examine
MATCHES_WITHIN_LIMITS = "D:number-of-matches-within-limits"


@dataclass
class WorkLimits:
    max_instances_examined: int
    query_seconds: float
    started: float

    def check_deadline(self) -> None:
        """Raise when the request has worked longer than its query budget.

        507 with DAV:number-of-matches-within-limits rather than 503: the budget is
        spent by *this* query's size, so retrying later (what 503 invites) would fail
        the same way; narrowing the query is what helps.
        """
        if time.monotonic() - self.started > self.query_seconds:
            raise LimitExceeded(
                507, MATCHES_WITHIN_LIMITS,
                f"the query ran longer than its budget of {self.query_seconds:g} s "
                f"([limits] query_seconds) and was stopped; narrow it with a filter or "
                f"a smaller time-range")

    def too_many_examined(self) -> LimitExceeded:
        return LimitExceeded(
            403, MAX_INSTANCES,
            f"a recurring event needs more than {self.max_instances_examined} "
            f"instances examined to answer this query ([limits] max_instances_examined); "
            f"choose a time-range closer to the event's start")


def current() -> WorkLimits | None:
    """The work limits of the request this code runs for (None: unbounded)."""
    context = request_context.current()
    return None if context is None else context.work


def check_deadline() -> None:
    limits = current()
    if limits is not None:
        limits.check_deadline()

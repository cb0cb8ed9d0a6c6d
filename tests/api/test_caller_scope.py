"""A read-scoped credential (an app password of issue 15 item 2) may not change
anything through the API: every mutating route depends on ``writer``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from cms_dav.api.auth import Caller, Door, writer
from cms_dav.api.factory import ROUTERS
from cms_dav.api.problems import ApiProblem


def door_of(scope: str) -> Door:
    # the check looks at the caller only: no services or store are needed
    nothing: Any = None
    return Door(caller=Caller(user="alice", scope=scope), services=nothing, store=nothing)


def test_a_read_scoped_caller_is_refused_with_403() -> None:
    with pytest.raises(ApiProblem) as refused:
        writer(door_of("read"))
    assert refused.value.status == 403


@pytest.mark.parametrize("scope", ["full", "write", "admin"])
def test_other_scopes_may_write(scope: str) -> None:
    assert writer(door_of(scope)).caller.scope == scope


def test_every_mutating_route_depends_on_the_writer_check() -> None:
    def depends_on_writer(route: APIRoute) -> bool:
        pending = list(route.dependant.dependencies)
        while pending:
            dependency = pending.pop()
            if dependency.call is writer:
                return True
            pending += dependency.dependencies
        return False
    mutating = [route for router in ROUTERS for route in router.routes
                if isinstance(route, APIRoute)
                and route.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert mutating and all(depends_on_writer(route) for route in mutating)

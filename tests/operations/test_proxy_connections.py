"""Issue 17 item 3: a trusted proxy carries many clients, so the per-address connection
limit does not apply to it (the total limit still does)."""

from __future__ import annotations

import pytest

from cms_dav.serving.admission import Admission
from cms_dav.serving.errors import HttpError
from cms_dav.wsgi.client_address import TrustedProxies


class Busy:
    idle = False

    def evict(self) -> None:
        raise AssertionError("a busy connection is never evicted")


def test_a_trusted_proxy_may_open_more_connections_than_one_address_may() -> None:
    admission = Admission(10, 2, TrustedProxies(("10.0.0.1",)).trusts)
    for _ in range(5):
        admission.admit(Busy(), "10.0.0.1")
    with pytest.raises(HttpError):
        for _ in range(3):
            admission.admit(Busy(), "198.51.100.7")


def test_a_trusted_proxy_is_still_bound_by_the_total() -> None:
    admission = Admission(3, 2, TrustedProxies(("10.0.0.1",)).trusts)
    for _ in range(3):
        admission.admit(Busy(), "10.0.0.1")
    with pytest.raises(HttpError):
        admission.admit(Busy(), "10.0.0.1")

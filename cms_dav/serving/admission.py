"""Connection limits, in total and per client address (issue 10, item 4).

A connection over a limit is answered 503 with Retry-After (RFC 9110 §15.6.4) and
closed. An idle keep-alive connection holds nothing the client is waiting for, so it is
closed first to make room (RFC 9112 §9.5 lets a server close idle connections at any
time): a client with many pooled connections is not refused by its own idle ones, while
connections that are busy (also a slowloris still sending its head) count in full.

A trusted reverse proxy (``[server] trusted_proxies``) carries many clients, so the
per-address limit does not apply to it (the total still does; issue 17, item 3).
"""

from __future__ import annotations

from typing import Callable, Protocol

from cms_dav.serving.errors import HttpError
from cms_dav.serving.limits import RETRY_AFTER_SECONDS


class Admitted(Protocol):
    @property
    def idle(self) -> bool:
        """Waiting for the next request on a kept-alive connection."""

    def evict(self) -> None:
        """Close the (idle) connection now."""


class Admission:
    """Which connections are open, by client address (event loop thread only)."""

    def __init__(self, max_connections: int, max_per_address: int,
                 unlimited: Callable[[str], bool] = lambda address: False) -> None:
        self.max_connections = max_connections
        self.max_per_address = max_per_address
        #: addresses exempt from the per-address limit (trusted proxies)
        self.unlimited = unlimited
        self._by_address: dict[str, list[Admitted]] = {}
        self.count = 0

    def admit(self, connection: Admitted, address: str) -> None:
        """Count ``connection`` in, or raise the 503 HttpError that refuses it."""
        mine = self._by_address.get(address, [])
        if len(mine) >= self.max_per_address and not self.unlimited(address) \
                and not self._evict_idle(mine):
            raise HttpError(503, f"too many connections from your address: the limit is "
                                 f"{self.max_per_address}; close some and retry",
                            (("Retry-After", str(RETRY_AFTER_SECONDS)),))
        if self.count >= self.max_connections and not self._evict_any_idle():
            raise HttpError(503, f"server busy: all {self.max_connections} connections are "
                                 f"in use; retry later",
                            (("Retry-After", str(RETRY_AFTER_SECONDS)),))
        self._by_address.setdefault(address, []).append(connection)
        self.count += 1

    def release(self, connection: Admitted, address: str) -> None:
        """Count ``connection`` out (idempotent)."""
        mine = self._by_address.get(address)
        if mine is None or connection not in mine:
            return
        mine.remove(connection)
        self.count -= 1
        if not mine:
            del self._by_address[address]

    def connections(self) -> list[Admitted]:
        return [c for mine in self._by_address.values() for c in mine]

    def _evict_idle(self, candidates: list[Admitted]) -> bool:
        for candidate in candidates:
            if candidate.idle:
                candidate.evict()
                return True
        return False

    def _evict_any_idle(self) -> bool:
        return any(self._evict_idle(mine) for mine in list(self._by_address.values()))

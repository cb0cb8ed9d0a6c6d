"""The numbers that bound what one client can cost the server."""

from __future__ import annotations

from dataclasses import dataclass

from cms_dav.config import ConfigError, Settings

#: largest request head (request line and headers); a bigger one gets 431 (RFC 6585 §5)
MAX_HEAD_BYTES = 64 * 1024
#: a body bigger than this is kept in a temporary file instead of memory
SPOOL_BYTES = 1024 * 1024
#: request bodies held in memory by all connections together; past it bodies go to disk
MEMORY_BUDGET_BYTES = 64 * 1024 * 1024
#: response bytes a worker may produce ahead of what the client has accepted
RESPONSE_BUFFER_BYTES = 256 * 1024
#: seconds spent draining a client's unread bytes after an error answer (lingering close,
#: RFC 9112 §9.6), so that the answer is not destroyed by a TCP reset
LINGER_SECONDS = 2.0
#: seconds a graceful stop waits for requests in flight
STOP_GRACE_SECONDS = 30.0
#: Retry-After (seconds) sent with a 503 for a connection over a limit
RETRY_AFTER_SECONDS = 10


@dataclass(frozen=True)
class ServerLimits:
    """Deadlines (seconds) and limits of the front; see ``config/cms-dav.conf``."""

    #: the whole request head must arrive within this (a total deadline, not an idle one)
    header_timeout: float = 10.0
    #: the whole request body must arrive within this; also the longest a client may
    #: leave response bytes unaccepted
    body_timeout: float = 60.0
    #: how long an idle keep-alive connection waits for its next request
    keepalive_timeout: float = 15.0
    max_body_bytes: int = 10_000_000
    max_head_bytes: int = MAX_HEAD_BYTES
    max_connections: int = 1000
    max_connections_per_address: int = 50
    workers: int = 8
    #: ``[server] trusted_proxies``: exempt from the per-address connection limit
    trusted_proxies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("header_timeout", "body_timeout", "keepalive_timeout", "max_body_bytes",
                     "max_head_bytes", "max_connections", "max_connections_per_address",
                     "workers"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"[server] {name} = {getattr(self, name)}: must be positive")

    @classmethod
    def from_settings(cls, settings: Settings) -> "ServerLimits":
        return cls(header_timeout=settings.header_timeout,
                   body_timeout=settings.body_timeout,
                   keepalive_timeout=settings.keepalive_timeout,
                   max_body_bytes=settings.max_body_bytes,
                   max_connections=settings.max_connections,
                   max_connections_per_address=settings.max_connections_per_address,
                   workers=settings.workers, trusted_proxies=settings.trusted_proxies)

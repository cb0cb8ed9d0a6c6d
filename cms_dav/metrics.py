"""The Prometheus instruments of one cms_dav instance (issue 17, item 4), built by the
composition root on a :class:`~prometheus_client.CollectorRegistry` it owns (never
prometheus_client's global one): two Apps in one process count apart.

Multiprocess mode: when ``PROMETHEUS_MULTIPROC_DIR`` is set (before the process starts,
as prometheus_client requires), every process writes its values to files there and
:meth:`Metrics.exposition` sums the files of all processes
(``prometheus_client.multiprocess.MultiProcessCollector``); otherwise it exposes this
instance's registry. The HTTP side is :mod:`cms_dav.wsgi.metrics`.

prometheus_client is imported when instruments are made: importing it loads its HTTP
exposition (``http.server``), ~80 ms of CPU at every start; the CLI's App counts
nothing (:class:`NoMetrics`), so the command never loads it (issue 19 target 5).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: seconds; a sync of a big address book may take several
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Counters and histograms; the doors call the ``observe``/``login`` methods."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = registry if registry is not None else CollectorRegistry()
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        r = self.registry
        self.requests = Counter(
            "cms_dav_http_requests", "HTTP requests answered, by method, route kind "
            "(principal, collection, item, well-known, api, other) and status",
            ("method", "route", "status"), registry=r)
        self.latency = Histogram(
            "cms_dav_http_request_duration_seconds", "seconds from the start of a request "
            "to the end of its answer, by method and route kind", ("method", "route"),
            buckets=LATENCY_BUCKETS, registry=r)
        self.sync_collections = Counter(
            "cms_dav_sync_collection_served", "sync-collection REPORTs answered 207 "
            "(RFC 6578 deltas served)", registry=r)
        self.login_failures = Counter(
            "cms_dav_login_failures", "failed logins (wrong password or unknown user)",
            registry=r)
        self.lockouts = Counter(
            "cms_dav_lockouts", "lockouts started, by kind: pair (user from one "
            "network) or account", ("kind",), registry=r)
        self.locked_refusals = Counter(
            "cms_dav_login_refused_locked", "logins refused because of a lockout, by kind",
            ("kind",), registry=r)

        self.pool_open = Gauge(
            "cms_dav_db_connections_open", "database connections open in the pool",
            registry=r, multiprocess_mode="livesum")
        self.pool_in_use = Gauge(
            "cms_dav_db_connections_in_use", "database connections checked out of the "
            "pool (in use by a request or a background task)", registry=r,
            multiprocess_mode="livesum")

    def watch_pool(self, engine: Engine) -> None:
        """Follow ``engine``'s pool from now on: connections open and in use
        (SQLAlchemy pool events ``connect``/``close``, ``checkout``/``checkin``)."""
        # listening on the engine keeps the listeners when engine.dispose() makes a pool
        event.listen(engine, "connect", lambda *_: self.pool_open.inc())
        event.listen(engine, "close", lambda *_: self.pool_open.dec())
        event.listen(engine, "checkout", lambda *_: self.pool_in_use.inc())
        event.listen(engine, "checkin", lambda *_: self.pool_in_use.dec())

    # -- requests ------------------------------------------------------------------
    def observe_request(self, method: str, route: str, status: int, seconds: float,
                        sync_collection: bool = False) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        if sync_collection and status == 207:
            self.sync_collections.inc()

    # -- logins (cms_dav.auth.authenticator.LoginEvents) --------------------------------
    def login_failed(self) -> None:
        self.login_failures.inc()

    def locked_out(self, kind: str) -> None:
        self.lockouts.labels(kind).inc()

    def refused_locked(self, kind: str) -> None:
        self.locked_refusals.labels(kind).inc()

    # -- exposition ------------------------------------------------------------------
    def exposition(self) -> bytes:
        """The text format (``text/plain; version=0.0.4``) of every counter."""
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        if self.multiprocess_dir is None:
            return bytes(generate_latest(self.registry))
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)
        return bytes(generate_latest(merged))


class NoMetrics(Metrics):
    """Counts nothing and loads no prometheus_client: the App of a CLI command, whose
    process exposes no ``/.cms/metrics`` (its counts would never be read; in
    multiprocess mode they would be written among the server's)."""

    def __init__(self) -> None:  # no instruments, no registry: no prometheus_client
        self.multiprocess_dir = None

    def watch_pool(self, engine: Engine) -> None:
        pass

    def observe_request(self, method: str, route: str, status: int, seconds: float,
                        sync_collection: bool = False) -> None:
        pass

    def login_failed(self) -> None:
        pass

    def locked_out(self, kind: str) -> None:
        pass

    def refused_locked(self, kind: str) -> None:
        pass

    def exposition(self) -> bytes:
        return b""

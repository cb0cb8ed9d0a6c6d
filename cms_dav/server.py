"""The HTTP door: an App's WSGI stack for any WSGI server, or served by cms_dav's own
front (:mod:`cms_dav.serving`). The services and the stack come from :mod:`cms_dav.app`."""

from __future__ import annotations

import gc
import logging
import socket
import ssl
import time
from typing import TYPE_CHECKING, Callable, Iterable

from radicale import config as radicale_config
from radicale import log as radicale_log
from radicale.app import Application

from cms_dav import radicale_compat
from cms_dav.app import App, build_app
from cms_dav.config import Settings
from cms_dav.log_mask import mask_secrets_in_logs
from cms_dav.serving.banner import banner
from cms_dav.warmup import warm_up

if TYPE_CHECKING:
    from cms_dav.serving.balance import Seat

log = logging.getLogger("cms_dav.serving")


def application(settings: Settings) -> Callable[..., Iterable[bytes]]:
    """A WSGI application for any WSGI server (gunicorn, uwsgi...): the stack of one
    App that lives as long as the process."""
    radicale_compat.check()
    mask_secrets_in_logs()
    return build_app(settings).wsgi()


def serve(settings: Settings, processes: int = 1) -> int:
    """Serve the application with cms_dav's own front (cms_dav.serving) until
    SIGTERM/SIGINT, then finish the requests in flight and return the exit status.
    ``processes`` > 1: that many worker processes on one port
    (:mod:`cms_dav.serving.workers`); the caller has set up the metrics directory."""
    radicale_compat.check()
    with radicale_compat.startup_at_debug():
        radicale_log.setup()
    if processes == 1:
        with build_app(settings, background_checkpoints=True, housekeeping=True,
                       dispatch=True) as app:
            radicale, tls = _radicale(app)
            _banner(app, tls)
            warm_up(settings.default_region)
            _run(app, radicale, tls)
        return 0
    return _serve_workers(settings, processes)


def _serve_workers(settings: Settings, processes: int) -> int:
    from cms_dav.serving import metrics_dir
    from cms_dav.serving.workers import Supervisor, listening_socket
    from cms_dav.store.checkpoint import Checkpointer
    from cms_dav.store.engine import is_sqlite, open_engine

    # migrate, check the configuration and log the banner once, then hold no connection
    with build_app(settings) as app:
        radicale, tls = _radicale(app)
        _banner(app, tls)
        # the HTTP side is imported where it is built (cms_dav.app, so that the CLI does
        # not load it): build it once here, before fork, so every worker shares those
        # modules and answers its first request as soon as the port accepts it
        app.wrap(radicale)
        app.preload_mounted_apps()  # built lazily per worker, imported once here
    log.info("%d worker processes", processes)
    warm_up(settings.default_region)  # before fork: the workers share what it loaded
    sock = listening_socket(settings.host, settings.port)
    checkpoints = open_engine(settings.database_url, pooled=False)
    checkpointer = Checkpointer(checkpoints) if is_sqlite(checkpoints) else None
    next_checkpoint = 0.0

    def tick() -> None:  # the one WAL checkpointer of every worker's database
        nonlocal next_checkpoint
        if checkpointer is not None and time.monotonic() >= next_checkpoint:
            next_checkpoint = time.monotonic() + checkpointer.interval
            checkpointer.run_once()

    def worker(sock: socket.socket, parent: int, seat: Seat) -> None:
        # every worker may run housekeeping (its lease lets one run at a time) and
        # delivers the outbox (a claim keeps each delivery to one worker at a time)
        with build_app(settings, background_checkpoints=True, checkpoint_thread=False,
                       housekeeping=True, dispatch=True, several_processes=True) as app:
            radicale, tls = _radicale(app)
            _run(app, radicale, tls, sock=sock, parent=parent, seat=seat)

    try:
        return Supervisor(sock, processes, worker, tick=tick,
                          worker_gone=metrics_dir.worker_gone).run()
    finally:
        checkpoints.dispose()


def _radicale(app: App) -> tuple[Application, ssl.SSLContext | None]:
    """Radicale's application for ``app`` at its log level, and the TLS context."""
    configuration = app.radicale_configuration(internal_server=True)
    level = configuration.get("logging", "level")
    logging.getLogger("cms_dav").setLevel(level.upper())
    mask_secrets_in_logs()
    with radicale_compat.startup_at_debug():
        radicale_log.set_level(level, configuration.get("logging", "backtrace_on_debug"),
                               configuration.get("logging", "trace_filter"))
        radicale = Application(configuration)
    return radicale, _tls_context(configuration)


def _banner(app: App, tls: ssl.SSLContext | None) -> None:
    for line in banner(app.settings, len(app.authenticator.users.names()),
                       https=tls is not None):
        log.info("%s", line)


def _run(app: App, radicale: Application, tls: ssl.SSLContext | None,
         sock: socket.socket | None = None, parent: int | None = None,
         seat: Seat | None = None) -> None:
    from cms_dav.serving import ServerLimits, run

    settings = app.settings
    wsgi = app.wrap(radicale)
    freeze_start_up()
    run(wsgi, ServerLimits.from_settings(settings), settings.host,
        settings.port, tls, sock=sock, parent=parent, seat=seat)


def freeze_start_up() -> None:
    """Put what start-up built (the App, Radicale's application, the warmed-up phone
    metadata: ~97,000 objects the collector tracks) in the permanent generation, as
    :func:`cms_dav.cli.resume_collector` did for the imports. Every full collection
    walked them: after a bulk fill the first listings of a book paid one such walk of
    50-240 ms (bench/README, round eight, branch propfind, part two). Garbage goes
    first (``gc.collect``) so that none of it is kept for good."""
    gc.collect()
    gc.freeze()


def _tls_context(configuration: radicale_config.Configuration) -> ssl.SSLContext | None:
    """TLS as Radicale's own server would do it, when ``[radicale:server] ssl`` is on."""
    if not configuration.get("server", "ssl"):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile=configuration.get("server", "certificate"),
                                keyfile=configuration.get("server", "key"))
        authority = configuration.get("server", "certificate_authority")
        if authority:
            context.load_verify_locations(cafile=authority)
            context.verify_mode = ssl.CERT_REQUIRED
    except (OSError, ssl.SSLError) as exc:
        raise RuntimeError(f"TLS certificate or key cannot be loaded: {exc}") from None
    return context

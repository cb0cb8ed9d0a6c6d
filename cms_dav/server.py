"""The HTTP door: an App's WSGI stack for any WSGI server, or served by cms_dav's own
front (:mod:`cms_dav.serving`). The services and the stack come from :mod:`cms_dav.app`."""

from __future__ import annotations

import logging
import ssl
from typing import Callable, Iterable

from radicale import config as radicale_config
from radicale import log as radicale_log
from radicale.app import Application

from cms_dav import radicale_compat
from cms_dav.app import build_app
from cms_dav.config import Settings
from cms_dav.log_mask import mask_secrets_in_logs
from cms_dav.serving.banner import banner
from cms_dav.warmup import warm_up

log = logging.getLogger("cms_dav.serving")


def application(settings: Settings) -> Callable[..., Iterable[bytes]]:
    """A WSGI application for any WSGI server (gunicorn, uwsgi...): the stack of one
    App that lives as long as the process."""
    radicale_compat.check()
    mask_secrets_in_logs()
    return build_app(settings).wsgi()


def serve(settings: Settings) -> None:
    """Serve the application with cms_dav's own front (cms_dav.serving) until
    SIGTERM/SIGINT, then finish the requests in flight and return."""
    from cms_dav.serving import ServerLimits, run

    radicale_compat.check()
    limits = ServerLimits.from_settings(settings)
    with radicale_compat.startup_at_debug():
        radicale_log.setup()
    with build_app(settings, background_checkpoints=True, housekeeping=True) as app:
        configuration = app.radicale_configuration(internal_server=True)
        level = configuration.get("logging", "level")
        logging.getLogger("cms_dav").setLevel(level.upper())
        mask_secrets_in_logs()
        with radicale_compat.startup_at_debug():
            radicale_log.set_level(level, configuration.get("logging", "backtrace_on_debug"),
                                   configuration.get("logging", "trace_filter"))
            radicale = Application(configuration)
        tls = _tls_context(configuration)
        for line in banner(settings, len(app.authenticator.users.names()),
                           https=tls is not None):
            log.info("%s", line)
        warm_up(settings.default_region)
        run(app.wrap(radicale), limits, settings.host, settings.port, tls)


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

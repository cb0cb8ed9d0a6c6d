"""Radicale, configured with cms_dav's plugins and wrapped in cms_dav's WSGI layers."""

from __future__ import annotations

import importlib.util
import json
import logging
import ssl
from typing import Callable, Iterable

from radicale import config as radicale_config
from radicale import log as radicale_log
from radicale.app import Application

from cms_dav import runtime
from cms_dav.config import Settings
from cms_dav.log_mask import mask_secrets_in_logs
from cms_dav.store.checkpoint import start_background_checkpoints
from cms_dav.store.store import Store
from cms_dav.warmup import warm_up
from cms_dav.wsgi.fast_listing import FastListingMiddleware
from cms_dav.wsgi.limits import LimitsMiddleware
from cms_dav.wsgi.rejections import RejectionReasonMiddleware
from cms_dav.wsgi.request_scope import RequestScopeMiddleware
from cms_dav.wsgi.response_delay import ResponseDelayMiddleware
from cms_dav.wsgi.upload_etag import UploadEtagMiddleware
from cms_dav.wsgi.xml_guard import XmlGuardMiddleware

REALM = "cms_dav"

#: Every new user starts with one address book and one calendar: iOS and macOS
#: Contacts cannot create address books themselves.
PREDEFINED_COLLECTIONS = {
    "contacts": {"tag": "VADDRESSBOOK", "D:displayname": "Contacts"},
    "calendar": {"tag": "VCALENDAR", "D:displayname": "Calendar",
                 "C:supported-calendar-component-set": "VEVENT,VTODO,VJOURNAL"},
}


def _has_plugin(name: str) -> bool:
    return importlib.util.find_spec(f"cms_dav_plugins.{name}") is not None


def radicale_configuration(settings: Settings) -> radicale_config.Configuration:
    """The whole Radicale configuration, derived from cms_dav's settings."""
    configuration = radicale_config.load()
    values: dict[str, dict[str, str]] = {
        "server": {"hosts": f"{settings.host}:{settings.port}",
                   "max_content_length": str(settings.max_body_bytes),
                   "max_resource_size": str(settings.limits.max_item_bytes)},
        "encoding": {"request": "utf-8", "stock": "utf-8"},
        "reporting": {"max_expand_occurrence": str(settings.limits.max_instances),
                      "max_freebusy_occurrence": str(settings.limits.max_instances)},
        "auth": {"realm": REALM, "delay": "0", "urldecode_username": "True"},
        "rights": {"type": "owner_only"},
        "storage": {"type": "cms_dav_plugins.storage",
                    "predefined_collections": json.dumps(PREDEFINED_COLLECTIONS),
                    **runtime.radicale_storage_keys(settings)},
        "web": {"type": settings.web},
        "logging": {"level": settings.log_level, "mask_passwords": "True"},
    }
    if _has_plugin("auth"):
        values["auth"].update(type="cms_dav_plugins.auth",
                              **runtime.radicale_storage_keys(settings))
    else:
        values["auth"].update(type="htpasswd", htpasswd_encryption="bcrypt",
                              htpasswd_filename=str(settings.htpasswd_file),
                              cache_logins="True")
    if _has_plugin("rights"):
        values["rights"]["type"] = "cms_dav_plugins.rights"
    if _has_plugin("group"):
        values["group"] = {"type": "cms_dav_plugins.group"}
    if _has_plugin("sharing"):
        values["sharing"] = {"type": "cms_dav_plugins.sharing",
                             "collection_by_map": "True", "collection_by_token": "True",
                             "permit_create_map": "True", "permit_create_token": "True",
                             # a share or link is read-only unless its creator asks
                             # for more (cms_dav.acl.sharing_policy bounds that)
                             "default_permissions_create_map": "r",
                             "default_permissions_create_token": "r"}
    for section, options in settings.extra_radicale.items():
        values.setdefault(section, {}).update(options)
    configuration.update(values, "cms-dav settings", privileged=True)
    return configuration


def wrap(app: Callable[..., Iterable[bytes]], settings: Settings) -> Callable[..., Iterable[bytes]]:
    """cms_dav's WSGI layers, outermost first: request scope, challenge, response delay,
    XML guard, rejection reasons, upload ETag, limits, link gate, unmount, fast listing."""
    from cms_dav.wsgi.link_gate import LinkGateMiddleware
    from cms_dav.wsgi.unmount import UnmountMiddleware

    wrapped: Callable[..., Iterable[bytes]] = LinkGateMiddleware(UnmountMiddleware(
        FastListingMiddleware(app, settings), settings), settings)
    wrapped = LimitsMiddleware(wrapped, settings.limits)
    wrapped = UploadEtagMiddleware(wrapped)
    wrapped = RejectionReasonMiddleware(wrapped, settings.max_body_bytes)
    wrapped = XmlGuardMiddleware(wrapped, settings.max_body_bytes, settings.limits)
    wrapped = ResponseDelayMiddleware(wrapped)
    if importlib.util.find_spec("cms_dav.auth.challenge") is not None:
        from cms_dav.auth.challenge import ChallengeMiddleware
        wrapped = ChallengeMiddleware(wrapped, REALM)
    return RequestScopeMiddleware(wrapped)  # the one place a RequestContext is made


def application(settings: Settings) -> Callable[..., Iterable[bytes]]:
    """A WSGI application for any WSGI server (gunicorn, uwsgi...)."""
    mask_secrets_in_logs()
    return wrap(Application(radicale_configuration(settings)), settings)


def prepare_store(settings: Settings) -> Store:
    from cms_dav.wiring import open_store
    return open_store(settings)


def serve(settings: Settings) -> None:
    """Serve the application with cms_dav's own front (cms_dav.serving) until
    SIGTERM/SIGINT, then finish the requests in flight and return."""
    from cms_dav.serving import ServerLimits, run

    limits = ServerLimits.from_settings(settings)
    radicale_log.setup()
    configuration = radicale_configuration(settings)
    radicale_log.set_level(configuration.get("logging", "level"),
                           configuration.get("logging", "backtrace_on_debug"),
                           configuration.get("logging", "trace_filter"))
    logging.getLogger("cms_dav.serving").setLevel(configuration.get("logging", "level").upper())
    mask_secrets_in_logs()
    start_background_checkpoints(settings.database_url)
    prepare_store(settings)
    warm_up(settings.default_region)
    # as under Radicale's own server: Radicale checks Content-Length against its limit too
    configuration.update({"server": {"_internal_server": "True"}}, "cms-dav serve",
                         privileged=True)
    app = wrap(Application(configuration), settings)
    run(app, limits, settings.host, settings.port, _tls_context(configuration))


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

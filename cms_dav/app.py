"""The composition root: every service of one cms_dav instance, built once from Settings.

:func:`build_app` (and :func:`build_reader`, its read-only subset) is the only place
that creates the database engine (and migrates it), the store with its write hooks and
upload filters, the ACL policy, the share database, the authenticator and the custom
field definitions; every door takes its services from the :class:`App`:

- HTTP: :meth:`App.wsgi` builds Radicale's configuration with cms_dav's plugins handed
  their services through Radicale's public plugin API (a callable ``type``, see
  ``radicale.utils.load_plugin``) and wraps Radicale in cms_dav's WSGI layers;
  ``cms-dav serve`` and :func:`cms_dav.server.application` use it;
- the CLI builds one App per invocation (lazily, so ``--help`` opens no database);
  a command that only reads contacts (``cms-dav search``) builds a :class:`Reader`
  with :func:`build_reader` instead: the same engine, policy and fields, without the
  write hooks, Radicale and the HTTP side, whose modules this module imports only
  inside :func:`build_app` and the App's methods;
- backup/restore and the admin operations take the store, policy or engine as
  arguments.

Nothing here is a module-level registry: two Apps in one process (two data dirs)
share nothing, and ``App.close()`` releases what one holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from cms_dav.acl.policy import Policy
from cms_dav.acl.rightsfile import RightsFile
from cms_dav.config import Settings
from cms_dav.contacts.fields_file import FieldsFile
from cms_dav.store.records import OriginOf, unknown_origin

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from fastapi import FastAPI
    from sqlalchemy import Engine

    from cms_dav.metrics import Metrics
    from cms_dav.store.sql import Conn, Database

    from cms_dav.acl.share_database import ShareDatabase
    from cms_dav.auth.authenticator import Authenticator
    from cms_dav.calendars.generated_calendars import GeneratedCalendars
    from cms_dav.contacts.segments import Segments
    from cms_dav.housekeeping import Housekeeper
    from cms_dav.outbox.dispatcher import Dispatcher, Sender
    from cms_dav.store.checkpoint import Checkpointer
    from cms_dav.store.store import Store
    # the HTTP side (Radicale's application, the WSGI layers, the JSON API and the web
    # app) is imported where it is built, so that a command of the CLI that only needs
    # the store (``cms-dav search``, ``import``) does not load it (issue 19 target 5)
    from radicale import config as radicale_config

    from cms_dav.api.services import ApiServices
    from cms_dav.push import vapid
    from cms_dav.web.services import WebServices

WSGIApp = Callable[..., Iterable[bytes]]

REALM = "cms_dav"

#: Every new user starts with one address book and one calendar: iOS and macOS
#: Contacts cannot create address books themselves.
PREDEFINED_COLLECTIONS = {
    "contacts": {"tag": "VADDRESSBOOK", "D:displayname": "Contacts"},
    "calendar": {"tag": "VCALENDAR", "D:displayname": "Calendar",
                 "C:supported-calendar-component-set": "VEVENT,VTODO,VJOURNAL"},
}

#: the Radicale sections whose plugin is cms_dav's own; ``[radicale:X]`` cannot replace them
PLUGIN_SECTIONS = ("storage", "auth", "rights", "group", "sharing")


@dataclass(frozen=True)
class PluginFactory:
    """A Radicale plugin ``type`` that builds the plugin around this App's services.

    Radicale calls a callable ``type`` with its configuration instead of importing a
    module (``radicale.config.str_or_callable``, ``radicale.utils.load_plugin``). The
    name is what Radicale logs (``auth type is cms_dav_plugins.auth``)."""

    name: str
    build: Callable[[radicale_config.Configuration], Any] = field(compare=False)

    def __call__(self, configuration: radicale_config.Configuration) -> Any:
        return self.build(configuration)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return repr(self.name)


@dataclass
class App:
    """The services of one cms_dav instance; build it with :func:`build_app`."""

    settings: Settings
    engine: Engine
    store: Store
    policy: Policy
    shares: ShareDatabase
    authenticator: Authenticator
    #: custom field definitions (``[contacts] fields_file``), reloaded when it changes
    fields: FieldsFile
    #: the per-user generated calendars (birthdays, follow-ups), refreshed on read
    calendars: GeneratedCalendars
    #: saved filters published as read-only address books, refreshed on read
    segments: Segments
    #: Prometheus instruments on this App's own registry (``/.cms/metrics``)
    metrics: Metrics = field(default_factory=lambda: _metrics(True))
    #: WAL checkpoints off the request path (``cms-dav serve`` on SQLite only)
    checkpointer: Checkpointer | None = None
    #: the periodic housekeeping job (``cms-dav serve`` with ``[housekeeping] interval``)
    housekeeper: Housekeeper | None = None
    #: the outbox delivery thread (``cms-dav serve`` with ``[outbox] dispatch``)
    dispatcher: Dispatcher | None = None
    #: the VAPID key of WebDAV-Push (``[push] enabled``); None when push is off
    push_key: vapid.VapidKey | None = None

    # -- HTTP -------------------------------------------------------------------------
    def radicale_configuration(self, *, internal_server: bool = False
                               ) -> radicale_config.Configuration:
        """The whole Radicale configuration, derived from the settings; the plugin types
        are factories that hand this App's services to cms_dav's plugins."""
        from radicale import config as radicale_config

        from cms_dav import radicale_compat

        settings = self.settings
        configuration = radicale_config.load()
        values: dict[str, dict[str, Any]] = {
            "server": {"hosts": f"{settings.host}:{settings.port}",
                       "max_content_length": str(settings.max_body_bytes),
                       "max_resource_size": str(settings.limits.max_item_bytes)},
            "encoding": {"request": "utf-8", "stock": "utf-8"},
            "reporting": {"max_expand_occurrence": str(settings.limits.max_instances),
                          "max_freebusy_occurrence": str(settings.limits.max_instances)},
            "auth": {"realm": REALM, "delay": "0", "urldecode_username": "True"},
            "storage": {"predefined_collections": json.dumps(PREDEFINED_COLLECTIONS)},
            "sharing": {"collection_by_map": "True", "collection_by_token": "True",
                        "permit_create_map": "True", "permit_create_token": "True",
                        # a share or link is read-only unless its creator asks for
                        # more (cms_dav.acl.sharing_policy bounds that)
                        "default_permissions_create_map": "r",
                        "default_permissions_create_token": "r"},
            "web": {"type": settings.web},
            "logging": {"level": settings.log_level, "mask_passwords": "True"},
        }
        for section, options in settings.extra_radicale.items():
            values.setdefault(section, {}).update(options)
        for section, plugin in self.plugin_types().items():
            values.setdefault(section, {})["type"] = plugin
        configuration.update(values, "cms-dav settings", privileged=True)
        if internal_server:
            # as under Radicale's own server: Radicale checks Content-Length too
            radicale_compat.mark_internal_server(configuration)
        return configuration

    def plugin_types(self) -> dict[str, PluginFactory]:
        """``[section] type`` for each of cms_dav's Radicale plugins."""
        from cms_dav_plugins.auth import Auth
        from cms_dav_plugins.group import Group
        from cms_dav_plugins.rights import Rights
        from cms_dav_plugins.sharing import Sharing
        from cms_dav_plugins.storage import Storage

        return {
            "storage": PluginFactory("cms_dav_plugins.storage",
                                     lambda configuration: Storage(
                                         configuration, self.store, self.settings.data_dir)),
            "auth": PluginFactory("cms_dav_plugins.auth",
                                  lambda configuration: Auth(configuration,
                                                             self.authenticator)),
            "rights": PluginFactory("cms_dav_plugins.rights",
                                    lambda configuration: Rights(configuration, self.policy)),
            "group": PluginFactory("cms_dav_plugins.group",
                                   lambda configuration: Group(configuration, self.policy)),
            "sharing": PluginFactory("cms_dav_plugins.sharing",
                                     lambda configuration: Sharing(configuration,
                                                                   self.shares)),
        }

    def wsgi(self, *, internal_server: bool = False) -> WSGIApp:
        """Radicale with this App's plugins, wrapped in cms_dav's WSGI layers."""
        from radicale.app import Application

        radicale = Application(self.radicale_configuration(internal_server=internal_server))
        return self.wrap(radicale)

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """cms_dav's WSGI layers, outermost first: request scope, request log, metrics,
        health, the web app (``/``, ``/app/``), the JSON API (``/api/v1/``), challenge,
        response delay, XML guard, rejection reasons, upload ETag, limits, link gate,
        unmount, Schedule-Tag (``[scheduling] enabled``), fast GET, generated calendars,
        push registration and properties (with ``[push] enabled``), principal search,
        scheduling (``[scheduling] enabled``), calendar auto-creation, task expansion,
        fast listing."""
        from cms_dav.api.mount import ApiMount
        from cms_dav.scheduling.addresses import Addresses
        from cms_dav.scheduling.delivery import MAX_ATTENDEES, Scheduler
        from cms_dav.web.mount import WebMount
        from cms_dav.wsgi.calendar_autocreate import CalendarAutoCreateMiddleware
        from cms_dav.wsgi.challenge import ChallengeMiddleware
        from cms_dav.wsgi.client_address import TrustedProxies
        from cms_dav.wsgi.fast_get import FastGetMiddleware
        from cms_dav.wsgi.fast_listing import FastListingMiddleware
        from cms_dav.wsgi.generated_calendars import GeneratedCalendarsMiddleware
        from cms_dav.wsgi.health import HealthMiddleware
        from cms_dav.wsgi.limits import LimitsMiddleware
        from cms_dav.wsgi.link_gate import LinkGateMiddleware
        from cms_dav.wsgi.metrics import MetricsMiddleware
        from cms_dav.wsgi.principal_search import Directory, PrincipalSearchMiddleware
        from cms_dav.wsgi.push_props import PushPropsMiddleware
        from cms_dav.wsgi.push_register import Collections, PushRegisterMiddleware
        from cms_dav.wsgi.rejections import RejectionReasonMiddleware
        from cms_dav.wsgi.request_log import RequestLogMiddleware
        from cms_dav.wsgi.request_scope import RequestScopeMiddleware
        from cms_dav.wsgi.response_delay import ResponseDelayMiddleware
        from cms_dav.wsgi.schedule_tag import ScheduleTagMiddleware
        from cms_dav.wsgi.scheduling import SchedulingMiddleware
        from cms_dav.wsgi.scheduling_outbox import FreeBusyAnswerer
        from cms_dav.wsgi.todo_expand import TodoExpandMiddleware
        from cms_dav.wsgi.unmount import UnmountMiddleware
        from cms_dav.wsgi.upload_etag import UploadEtagMiddleware
        from cms_dav.wsgi.xml_guard import XmlGuardMiddleware

        settings = self.settings
        wrapped: WSGIApp = FastListingMiddleware(app, settings, self.store, self.policy,
                                                 self.authenticator)
        wrapped = TodoExpandMiddleware(wrapped, settings.limits)
        wrapped = CalendarAutoCreateMiddleware(wrapped, self.store, self.policy)
        if settings.scheduling_enabled:
            addresses = Addresses(self.authenticator.users, self.store)
            wrapped = SchedulingMiddleware(
                wrapped, self.store, addresses,
                Scheduler(self.store, addresses, MAX_ATTENDEES),
                FreeBusyAnswerer(self.store, addresses, self.policy,
                                 settings.principal_search, settings.limits.max_instances))
        wrapped = PrincipalSearchMiddleware(wrapped, Directory(
            self.authenticator.users, self.store, self.policy, settings.principal_search))
        if self.push_key is not None:
            collections = Collections(self.store, self.policy, self.shares)
            wrapped = PushPropsMiddleware(wrapped, collections, self.push_key)
            wrapped = PushRegisterMiddleware(wrapped, settings, collections)
        wrapped = GeneratedCalendarsMiddleware(wrapped, self.calendars, self.policy,
                                               self.segments)
        # outside the generated calendars: a GET of an ordinary item skips their lookups
        wrapped = FastGetMiddleware(wrapped, settings, self.store, self.policy,
                                    self.authenticator)
        if settings.scheduling_enabled:  # outside the fast GET: its answers get the tag
            wrapped = ScheduleTagMiddleware(wrapped, self.store)
        wrapped = UnmountMiddleware(wrapped, self.shares)
        wrapped = LinkGateMiddleware(wrapped, settings, self.engine)
        wrapped = LimitsMiddleware(wrapped, settings.limits)
        wrapped = UploadEtagMiddleware(wrapped)
        wrapped = RejectionReasonMiddleware(wrapped, settings.max_body_bytes)
        wrapped = XmlGuardMiddleware(wrapped, settings.max_body_bytes, settings.limits)
        wrapped = ResponseDelayMiddleware(wrapped)
        wrapped = ChallengeMiddleware(wrapped, REALM)
        # the JSON API answers its own logins and errors: outside the DAV-only layers
        # (both built on their first request: cms_dav.api.mount)
        wrapped = ApiMount(wrapped, self._build_api, settings.max_body_bytes)
        # the web app: GET/POST of / and /app/... only (DAV keeps every other request)
        wrapped = WebMount(wrapped, self._build_web, settings.max_body_bytes)
        wrapped = HealthMiddleware(wrapped, self.engine)
        wrapped = MetricsMiddleware(wrapped, self.metrics, settings.metrics_token,
                                    settings.metrics_allow)
        wrapped = RequestLogMiddleware(wrapped)
        # the one place a RequestContext is made, and the client address decided
        return RequestScopeMiddleware(wrapped, TrustedProxies(settings.trusted_proxies,
                                                               settings.proxy_header))

    def _build_api(self) -> FastAPI:
        from cms_dav.api.factory import build_api

        return build_api(self.api_services())

    def _build_web(self) -> FastAPI:
        from cms_dav.web.factory import build_web

        return build_web(self.web_services())

    def preload_mounted_apps(self) -> None:
        """Import what the JSON API and the web app are built from and make the web
        app's session secret, before ``serve --workers N`` forks: the workers share
        those modules, and two of them building the web app at once never race to
        create the secret (the loser could read the file before its key is written)."""
        import cms_dav.api.factory  # noqa: F401 - imported for its side effect
        import cms_dav.web.factory  # noqa: F401
        from cms_dav.web.sessions import load_secret

        load_secret(self.settings.data_dir)

    def api_services(self) -> ApiServices:
        """What the JSON API (``/api/v1/``) is built from: this App's services."""
        from cms_dav.api.services import ApiServices
        from cms_dav.reports.build import build_report

        return ApiServices(settings=self.settings, store=self.store, policy=self.policy,
                           shares=self.shares, authenticator=self.authenticator,
                           fields=self.fields, segments=self.segments,
                           report=lambda options: build_report(self, options))

    def web_services(self) -> WebServices:
        """What the web app (``/``, ``/app/``) is built from: the API's services, the
        session signer with its secret in the data directory, the catalogues."""
        from cms_dav.web.duplicate_cache import DuplicateCache
        from cms_dav.web.i18n import load_languages
        from cms_dav.web.render import templates
        from cms_dav.web.services import WebServices
        from cms_dav.web.sessions import Sessions, load_secret
        from cms_dav.wsgi.client_address import TrustedProxies

        settings = self.settings
        return WebServices(api=self.api_services(),
                           sessions=Sessions(load_secret(settings.data_dir),
                                             settings.web_session_idle,
                                             settings.web_session_max, self.store),
                           languages=load_languages(),
                           proxies=TrustedProxies(settings.trusted_proxies,
                                                  settings.proxy_header),
                           templates=templates(), duplicates=DuplicateCache())

    # -- lifetime ---------------------------------------------------------------------
    def close(self) -> None:
        """Stop the background threads and close the pooled database connections."""
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self.housekeeper is not None:
            self.housekeeper.stop()
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()

    def __enter__(self) -> "App":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def build_app(settings: Settings, *, background_checkpoints: bool = False,
              checkpoint_thread: bool = True, origin_of: OriginOf = unknown_origin,
              housekeeping: bool = False, dispatch: bool = False,
              instruments: bool = True, several_processes: bool = False) -> App:
    """Every service for ``settings``: the one engine (migrated here, once), the store
    with the domain's write hooks and upload filters, ACL policy, share database and
    authenticator. ``background_checkpoints``: a long-running server on SQLite; with
    ``checkpoint_thread=False`` another process runs them (a worker of ``serve --workers``).
    ``origin_of``: the door of writes made outside an HTTP request (the CLI passes its
    command); inside one, the request's origin wins (``request_context.http_origins``).
    ``housekeeping``: a server that runs the periodic housekeeping job; ``dispatch``: one
    that delivers the outbox (when ``[outbox] dispatch`` is on). ``instruments=False``:
    the App counts nothing for ``/.cms/metrics`` (:class:`NoMetrics`; a CLI command's).
    ``several_processes``: a worker of ``serve --workers N``, whose sync tokens must wait
    for the other workers' deferred WAL fsyncs too (:mod:`cms_dav.store.durability`)."""
    # imported here, not with the module: a read-only command builds only a Reader
    # (:func:`build_reader`) and loads none of this (issue 19 target 5: start-up)
    from cms_dav.store import durability
    from cms_dav.store.engine import PoolLimits, open_engine
    from cms_dav.store.migrate import upgrade_to_head
    # the plugins first, so that a missing one is a start-up error naming it
    import cms_dav_plugins.auth  # noqa: F401
    import cms_dav_plugins.group  # noqa: F401
    import cms_dav_plugins.rights  # noqa: F401
    import cms_dav_plugins.sharing  # noqa: F401
    import cms_dav_plugins.storage  # noqa: F401
    from cms_dav.acl.share_database import ShareDatabase
    from cms_dav.auth.authenticator import Authenticator
    from cms_dav.calendars import any_component_filter
    from cms_dav.calendars.catalog import calendar_kinds
    from cms_dav.calendars.generated_calendars import GeneratedCalendars
    from cms_dav.calendars.occurrences import OccurrenceHook
    from cms_dav.contacts.field_index import FieldIndexHook
    from cms_dav.contacts.field_rows import FieldRows
    from cms_dav.contacts.field_upload_filter import FieldValueCheck, keep_custom_fields
    from cms_dav.contacts.index_hook import SearchIndexHook
    from cms_dav.contacts.segment_hook import SegmentHook
    from cms_dav.contacts.segments import Segments
    from cms_dav.contacts.timeline_note import TimelineOptions
    from cms_dav.contacts.upload_filter import ContactUploadFilter
    from cms_dav.housekeeping import start_housekeeper
    from cms_dav.io import freebusy_ranges, vobject_fold, vobject_text, vobject_values
    from cms_dav.outbox.recorder import OutboxRecorder, Route
    from cms_dav.scheduling.delivery import MAX_ATTENDEES
    from cms_dav.scheduling.imip_outbox import ImipRecorder
    from cms_dav.scheduling.imip_sender import imip_sender
    from cms_dav.store.change_feed import ChangeFeed
    from cms_dav.store.checkpoint import start_background_checkpoints
    from cms_dav.store.store import Store
    from cms_dav.webhooks.route import WebhookRoute
    from cms_dav.webhooks.sender import webhook_sender
    from cms_dav.wsgi.request_scope import http_origins
    from cms_dav_plugins import upload_watch

    origins = http_origins(origin_of)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    vobject_values.install()  # valid PERIOD / vCard 2.1 values pass Radicale's check
    vobject_text.install()  # the same TEXT values, unescaped without a per-character loop
    vobject_fold.install()  # the same lines written, folded without an exception per line
    freebusy_ranges.install()  # VFREEBUSY objects get time ranges (RFC 4791 §9.9)
    any_component_filter.install()  # prop-filters under VCALENDAR see the components
    upload_watch.install()  # "Radicale changed nothing" without a second parse
    engine = open_engine(settings.database_url,
                         background_checkpoints=background_checkpoints,
                         pool=PoolLimits(settings.pool_size, settings.pool_overflow,
                                         settings.pool_timeout))
    metrics = _metrics(instruments)
    metrics.watch_pool(engine)  # before the first connection is opened
    upgrade_to_head(engine)
    fields = FieldsFile(settings.fields_file)
    # each outbox consumer (webhooks, push) brings a route (who gets an event, decided in
    # the write) and a sender (delivers it from the dispatcher)
    push_key = None
    if settings.push_enabled:
        # cryptography and http_ece: only where push is on (issue 19 target 5: CLI start-up)
        from cms_dav.push import vapid
        from cms_dav.push.route import PushRoute
        from cms_dav.push.sender import push_sender

        push_key = vapid.load(settings.data_dir)
    policy = Policy(RightsFile(settings.rights_file), engine)
    routes: tuple[Route, ...] = ((WebhookRoute(), PushRoute(members=policy.members))
                                 if push_key is not None else (WebhookRoute(),))
    # iMIP to external attendees: a feed of its own (it needs the old and new text)
    imip = settings.scheduling_enabled and bool(settings.smtp_host)
    feeds: tuple[ChangeFeed, ...] = (OutboxRecorder(routes),)
    if imip:
        feeds += (ImipRecorder(MAX_ATTENDEES),)
    search_index, field_index = SearchIndexHook(settings.default_region), FieldIndexHook()
    index_hooks = (search_index, field_index)
    # calendar objects' occurrence ranges for calendar-query time-ranges (issue 19)
    occurrence_hooks = ((OccurrenceHook(settings.occurrence_horizon_days),)
                        if settings.occurrence_horizon_days else ())
    store = Store(engine, settings.sync_token_days, settings.limits,
                  # the segment upkeep last: it matches on the index rows just written
                  write_hooks=(*index_hooks, *occurrence_hooks,
                               SegmentHook(policy, fields.fields, settings.sync_token_days,
                                           copy_hooks=index_hooks)),
                  # fields first: the timeline block shows the values they keep
                  upload_filters=(keep_custom_fields, FieldValueCheck(fields),
                                  ContactUploadFilter(TimelineOptions(
                                      settings.timeline_entries, settings.timeline_language),
                                      field_rows=FieldRows(fields),
                                      # its parses of the card it stores (issue 19)
                                      hand_to=(search_index.parses, field_index.parses))),
                  origin_of=origins, change_feeds=feeds,
                  # one shared WAL fsync per database file for DAV writes (issue 19)
                  group_sync=durability.for_engine(
                      engine, other_writers=several_processes))
    shares = ShareDatabase(engine, policy, public_links=settings.sharing_public_links,
                           link_days=settings.sharing_link_days, origin_of=origins,
                           change_feeds=store.change_feeds)
    checkpointer = (start_background_checkpoints(engine)
                    if background_checkpoints and checkpoint_thread else None)
    calendars = GeneratedCalendars(store, policy, calendar_kinds(settings),
                                   settings.birthdays_max_cards)
    segments = Segments(store, policy, fields.fields)
    housekeeper = start_housekeeper(engine, settings) if housekeeping else None
    senders: tuple[Sender, ...] = (webhook_sender(engine, policy, settings),)
    if push_key is not None:
        senders += (push_sender(engine, policy, push_key, settings, store.settle),)
    if imip:
        senders += (imip_sender(settings),)
    dispatcher = (start_dispatcher(engine, settings, senders)
                  if dispatch and settings.outbox_dispatch else None)
    return App(settings=settings, engine=engine, store=store, policy=policy, shares=shares,
               authenticator=Authenticator.from_settings(settings, engine, events=metrics),
               fields=fields, calendars=calendars, segments=segments, metrics=metrics,
               checkpointer=checkpointer, housekeeper=housekeeper, dispatcher=dispatcher,
               push_key=push_key)


def _metrics(instruments: bool) -> Metrics:
    """Prometheus instruments (``instruments``), or a :class:`NoMetrics` that counts
    nothing; imported here, as it brings SQLAlchemy's pool events."""
    from cms_dav.metrics import Metrics, NoMetrics

    return Metrics() if instruments else NoMetrics()


@dataclass
class Reader:
    """What a command that only reads contacts needs (``cms-dav search``): the
    database, the ACL policy and the custom field definitions, from the same Settings
    and built the same way as the App's. No store with write hooks, no Radicale, no
    patches: a Reader cannot write, so it needs none of what keeps writes consistent.

    On an SQLite database at the schema's head the database is read through the
    standard library's ``sqlite3`` (:class:`cms_dav.store.sql.SqliteDatabase`), with
    the same statements the App runs (:mod:`cms_dav.store.sql`): SQLAlchemy is never
    imported, which was half of a search's start-up (issue 19 target 5)."""

    settings: Settings
    database: Database
    policy: Policy
    fields: FieldsFile

    def reading(self) -> AbstractContextManager[Conn]:
        """One read transaction (as :meth:`Store.reading`)."""
        return self.database.reading()

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def build_reader(settings: Settings) -> Reader:
    """The read-only services for ``settings``: the database, the policy and the
    fields file. An SQLite file whose ``alembic_version`` is the migration files' head
    (one cheap ``sqlite3`` read, :func:`cms_dav.store.sql.alembic_version`) is read
    through ``sqlite3``; anything else (PostgreSQL, a database to create or migrate)
    through SQLAlchemy's engine, migrated to head like :func:`build_app`'s, so a
    command on an old data dir finds the same tables. Loads none of the modules that
    :func:`build_app` imports for writes and HTTP (issue 19 target 5)."""
    from cms_dav.store.migrate import file_heads
    from cms_dav.store.sql import SqliteDatabase, alembic_version, sqlite_path

    path = sqlite_path(settings.database_url)
    database: Database
    if path is not None and alembic_version(path) == sorted(file_heads()) \
            and len(file_heads()) == 1:
        database = SqliteDatabase(path, settings.database_url)
        policy = Policy(RightsFile(settings.rights_file), database)
    else:
        from cms_dav.store.engine import EngineDatabase, PoolLimits, open_engine
        from cms_dav.store.migrate import upgrade_to_head

        engine = open_engine(settings.database_url,
                             pool=PoolLimits(settings.pool_size, settings.pool_overflow,
                                             settings.pool_timeout))
        upgrade_to_head(engine)
        database = EngineDatabase(engine)
        policy = Policy(RightsFile(settings.rights_file), engine)
    return Reader(settings=settings, database=database, policy=policy,
                  fields=FieldsFile(settings.fields_file))


def start_dispatcher(engine: Engine, settings: Settings,
                     senders: tuple[Sender, ...]) -> Dispatcher:
    """The outbox delivery thread of one server process (``[outbox]`` settings)."""
    from cms_dav.outbox.dispatcher import Dispatcher

    return Dispatcher(engine, senders, poll_interval=settings.outbox_poll_interval,
                      lease_seconds=settings.outbox_lease,
                      keep_seconds=settings.outbox_keep_days * 86400.0).start()

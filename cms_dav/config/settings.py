"""``Settings`` and ``Limits``: every cms_dav setting, each described once on its field
(section, key, kind, default, help; see :mod:`cms_dav.config.schema`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cms_dav.config import kinds as k
from cms_dav.config.errors import IN_CODE, ConfigError, problem
from cms_dav.config.schema import Option, option, options_of

DEFAULT_DATA_DIR = "./var"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5232

#: the sections of cms-dav.conf, in the order the README and config/cms-dav.conf use
SECTIONS = ("server", "storage", "auth", "rights", "contacts", "birthdays", "follow_ups",
            "trash", "audit", "history", "housekeeping", "limits", "logging", "metrics", "web",
            "sharing", "scheduling", "outbox", "webhooks", "push")

#: ``[birthdays] alarms``: comma-separated "[-Nd ]HH:MM" (from the start of the day)
ALARM_LIST = k.Text(pattern=r"\s*(-?\d{1,3}d\s+)?\d{1,2}:\d{2}\s*(,\s*(-?\d{1,3}d\s+)?"
                            r"\d{1,2}:\d{2}\s*)*",
                    pattern_help="not a list of alarm times such as `09:00, -1d 09:00`")
#: languages of the generated calendars' names and titles (cms_dav.calendars)
CALENDAR_LANGUAGES = ("en", "pl", "zh", "de")

#: Radicale's logging levels (radicale.log.LOG_LEVEL_OPTIONS)
LOG_LEVELS = ("trace", "debug", "info", "notice", "warning", "error", "critical", "alert")


def _limit(kind: k.Kind, default: object, help: str) -> Any:
    """A ``[limits]`` setting: its key is the attribute name (filled in by options_of)."""
    return option("limits", "", kind, help, default)


@dataclass(frozen=True)
class Limits:
    """``[limits]``: bounded work per request (issue 10, item 3). 0 never means "off"."""

    max_item_bytes: int = _limit(
        k.POSITIVE, 1_000_000, "bytes of one contact/event (403 `max-resource-size`; "
        "RFC 6352 §6.3.2.1, RFC 4791 §5.3.2.1)")
    max_item_lines: int = _limit(
        k.POSITIVE, 10_000, "physical lines of one contact/event (403)")
    max_line_bytes: int = _limit(
        k.POSITIVE, 65_536, "bytes of one unfolded content line (403)")
    max_properties: int = _limit(
        k.POSITIVE, 5_000, "properties in one component, BEGIN..END (403)")
    max_property_value_bytes: int = _limit(
        k.POSITIVE, 4_096, "bytes of one value set by PROPPATCH / MKCOL / MKCALENDAR (403)")
    max_properties_per_request: int = _limit(
        k.POSITIVE, 50, "properties set or removed by one PROPPATCH / MKCOL (403)")
    max_collections_per_user: int = _limit(
        k.POSITIVE, 100, "collections below one user's home (507 `quota-not-exceeded`)")
    max_items_per_collection: int = _limit(
        k.POSITIVE, 200_000, "items in one address book or calendar (507)")
    max_xml_depth: int = _limit(
        k.POSITIVE, 64, "element nesting of a request body (400)")
    max_xml_elements: int = _limit(
        k.POSITIVE, 250_000, "elements of a request body (413; a 100k-href multiget needs "
        "~100k)")
    max_propfind_properties: int = _limit(
        k.POSITIVE, 1_000, "properties named in one PROPFIND (403)")
    max_instances: int = _limit(
        k.POSITIVE, 10_000, "recurrence instances one REPORT may return: expand, free-busy, "
        "calendar-data (403 `max-instances`; Radicale's `max_expand_occurrence`)")
    max_instances_examined: int = _limit(
        k.POSITIVE, 100_000, "recurrence instances examined per event for one query")
    min_date_time: str = _limit(
        k.UTC_DATE_TIME, "19000101T000000Z", "earliest date-time a time-range or expand "
        "may name (403 `min-date-time`)")
    max_date_time: str = _limit(
        k.UTC_DATE_TIME, "21000101T000000Z", "latest date-time a time-range or expand "
        "may name (403 `max-date-time`)")
    query_seconds: float = _limit(
        k.POSITIVE_SECONDS, 10.0, "seconds an addressbook-query / calendar-query may work "
        "(507 `number-of-matches-within-limits`)")

    def __post_init__(self) -> None:
        _check_set_in_code(self, LIMIT_OPTIONS)


@dataclass(frozen=True)
class Settings:
    """Every cms_dav setting: built from cms-dav.conf by ``load_settings``, or in code
    (``Settings(...)``, ``with_overrides``), and checked the same way either way."""

    data_dir: Path = option(
        "storage", "data_dir", k.PATH, "database, users file and rights file unless set "
        "elsewhere; `--data-dir` and `CMS_DAV_DATA_DIR` win", shown_default="`./var`")
    config_file: Path | None = None
    database_url: str = option(
        "storage", "database_url", k.TEXT, "SQLAlchemy URL, e.g. "
        "`postgresql+psycopg://user@host/db`", "", shown_default="SQLite under the data dir")
    pool_size: int = option(
        "storage", "pool_size", k.POSITIVE, "PostgreSQL connections each process keeps open "
        "(SQLAlchemy `pool_size`); budget processes x nodes x (pool_size + pool_overflow) "
        "below the server's `max_connections`", 10)
    pool_overflow: int = option(
        "storage", "pool_overflow", k.COUNT, "PostgreSQL connections a process may open "
        "beyond `pool_size` at peaks, closed when returned", 10)
    pool_timeout: int = option(
        "storage", "pool_timeout", k.POSITIVE, "seconds a request waits for a free "
        "connection before it fails", 30)
    host: str = option("server", "host", k.TEXT, "address `serve` listens on",
                       DEFAULT_HOST)
    port: int = option("server", "port", k.PORT, "port `serve` listens on", DEFAULT_PORT)
    htpasswd_file: Path = option(
        "auth", "htpasswd_file", k.PATH, "users file (htpasswd, bcrypt)", Path(),
        shown_default="`<data dir>/users`")
    users: str = option(
        "auth", "users", k.Text(choices=("auto", "file", "database"), case=str.lower),
        "where logins live: `file` (`htpasswd_file`), `database` (table `users`, shared by "
        "every node; `cms-dav user` edits it) or `auto` = `database` on PostgreSQL, `file` "
        "on SQLite", "auto")
    users_check_seconds: float = option(
        "auth", "users_check_seconds", k.SECONDS, "with users in the database: how often "
        "(at most) a node reads the users' change counter, i.e. how long a password change "
        "or removal on another node may take to end logins cached here (0 = every login)",
        1.0)
    rights_file: Path = option(
        "rights", "file", k.PATH, "admins, groups, grants (see `config/rights.toml`)",
        Path(), shown_default="`<data dir>/rights.toml`")
    fields_file: Path = option(
        "contacts", "fields_file", k.PATH, "custom field definitions (see "
        "`config/fields.toml`); reloaded when it changes", Path(),
        shown_default="`fields.toml` beside the rights file")
    default_region: str = option(
        "contacts", "default_region", k.REGION, "region (ISO 3166) for phone numbers "
        "typed without `+`, e.g. `PL`, `CN`", "")
    timeline_entries: int = option(
        "contacts", "timeline_entries", k.COUNT, "latest interactions shown in the timeline "
        "block at the end of a card's NOTE (0 = no block anywhere; per address book: "
        "property `timeline-note`, see README)", 20)
    timeline_language: str = option(
        "contacts", "timeline_language", k.Text(choices=("en", "zh", "pl")), "language of "
        "the timeline block's headings: `en`, `zh` or `pl`", "en")
    login_cache_seconds: int = option(
        "auth", "login_cache_seconds", k.COUNT, "seconds a verified login is remembered "
        "(HMAC key, never the password; 0 = off)", 300)
    lockout_threshold: int = option(
        "auth", "lockout_threshold", k.COUNT, "failed logins per user and network before "
        "that pair is locked out (0 = never)", 10)
    lockout_seconds: int = option(
        "auth", "lockout_seconds", k.POSITIVE, "how long a lockout lasts; failures are "
        "forgotten after this long without a new one", 300)
    account_lockout_threshold: int = option(
        "auth", "account_lockout_threshold", k.COUNT, "failed logins per account (any "
        "network) before the account is locked; known devices still get in (0 = never)", 50)
    first_delay_seconds: float = option(
        "auth", "first_delay_seconds", k.SECONDS, "delay before checking the password "
        "after one failure; doubles per failure", 0.25)
    max_delay_seconds: float = option(
        "auth", "max_delay_seconds", k.SECONDS, "cap of that delay (a network is only "
        "slowed down, never locked out)", 5.0)
    throttle_max_rows: int = option(
        "auth", "throttle_max_rows", k.POSITIVE, "failure counters kept (oldest unlocked "
        "dropped first)", 100_000)
    app_password_days: int = option(
        "auth", "app_password_days", k.POSITIVE, "days a revoked or expired app password "
        "stays in `cms-dav token list` before housekeeping deletes it", 30)
    birthdays: bool = option(
        "birthdays", "enabled", k.BOOLEAN, "every user has a read-only birthday calendar "
        "`/NAME/birthdays/`; `cms-dav user set NAME --birthdays on|off` decides per user",
        True)
    birthdays_feb29: str = option(
        "birthdays", "feb29", k.Text(choices=("feb28", "mar1")), "where a Feb 29 date falls "
        "in common years: `feb28` or `mar1`", "feb28")
    birthdays_alarms: str = option(
        "birthdays", "alarms", ALARM_LIST, "reminders, comma-separated `[-Nd ]HH:MM` from "
        "the start of the day (local time); empty = none", "09:00, -1d 09:00")
    calendar_language: str = option(
        "birthdays", "language", k.Text(choices=CALENDAR_LANGUAGES, case=str.lower),
        "language of the generated calendars' names and titles: "
        + ", ".join(CALENDAR_LANGUAGES), "en")
    birthdays_max_cards: int = option(
        "birthdays", "max_cards", k.POSITIVE, "contacts read for one user's generated "
        "calendars; more are left out (and logged)", 20_000)
    follow_ups: bool = option(
        "follow_ups", "enabled", k.BOOLEAN, "every user has a read-only `/NAME/follow-ups/` "
        "task list of interaction follow-ups; `cms-dav user set NAME --follow-ups on|off` "
        "decides per user", True)
    follow_ups_alarms: str = option(
        "follow_ups", "alarms", ALARM_LIST, "reminders, comma-separated `[-Nd ]HH:MM` from "
        "the start of the due day (local time); empty = none", "09:00")
    follow_ups_completed: str = option(
        "follow_ups", "completed", k.Text(choices=("keep", "remove")), "a follow-up marked "
        "done (`cms-dav notes done`) or replaced by a later one: `keep` it as a completed "
        "task, or `remove` it", "keep")
    trash_days: int = option(
        "trash", "days", k.POSITIVE, "days a deleted item or collection can be restored", 30)
    audit_days: int = option(
        "audit", "days", k.POSITIVE, "days an audit trail entry is kept (`cms-dav audit`; "
        "older ones are purged by housekeeping)", 365)
    history_days: int = option(
        "history", "days", k.POSITIVE, "days every earlier version of a contact or event "
        "is kept (`cms-dav history`)", 90)
    history_keep: int = option(
        "history", "keep", k.COUNT, "earlier versions kept per item however old (the "
        "newest ones)", 10)
    housekeeping_interval: float = option(
        "housekeeping", "interval", k.SECONDS, "seconds between the housekeeping runs of "
        "`serve` (trash, history, audit, sync log; 0 = off: run `cms-dav housekeeping`)",
        3600.0)
    housekeeping_batch: int = option(
        "housekeeping", "batch", k.POSITIVE, "rows removed per transaction (writers wait "
        "at most one batch)", 500)
    sync_token_days: int = option(
        "storage", "sync_token_days", k.POSITIVE, "days a sync token stays valid; older "
        "ones get the RFC 6578 error (full resync)", 30)
    occurrence_horizon_days: int = option(
        "storage", "occurrence_horizon_days", k.COUNT, "days after a write up to which "
        "the occurrences of an endless recurrence are indexed for calendar-query "
        "time-ranges (a query past it expands, as Radicale does; `cms-dav reindex` moves "
        "it on); 0 = no index: every recurring candidate is expanded", 1095)
    max_body_bytes: int = option(
        "server", "max_body_bytes", k.POSITIVE, "larger request bodies get 413 before "
        "they are read", 10_000_000)
    header_timeout: int = option(
        "server", "header_timeout", k.POSITIVE, "total seconds for a request head (408)", 10)
    body_timeout: int = option(
        "server", "body_timeout", k.POSITIVE, "total seconds for a request body, and the "
        "longest an answer may stay unread (408)", 60)
    keepalive_timeout: int = option(
        "server", "keepalive_timeout", k.POSITIVE, "seconds an idle keep-alive connection "
        "is kept", 15)
    max_connections: int = option(
        "server", "max_connections", k.POSITIVE, "open connections (503 + `Retry-After` "
        "beyond)", 1000)
    max_connections_per_address: int = option(
        "server", "max_connections_per_address", k.POSITIVE, "open connections per client "
        "address (a proxy in `trusted_proxies` is exempt)", 50)
    workers: int = option("server", "workers", k.POSITIVE, "threads running requests "
                          "(in each worker process)", 8)
    processes: int = option(
        "server", "processes", k.COUNT, "worker processes of `cms-dav serve` sharing its "
        "port (`--workers N` overrides); 0 = one per core, 1 = a single process", 0)
    trusted_proxies: tuple[str, ...] = option(
        "server", "trusted_proxies", k.NETWORKS, "reverse proxies (addresses/CIDRs) whose "
        "`X-Forwarded-For` / `Forwarded` names the client; the client is the right-most "
        "untrusted hop (see Behind a reverse proxy)", (), shown_default="none")
    proxy_header: str = option(
        "server", "proxy_header", k.Text(choices=("x-forwarded-for", "forwarded"),
                                         case=str.lower),
        "the one header trusted proxies name the client in: `x-forwarded-for` or "
        "`forwarded` (RFC 7239); the other is ignored", "x-forwarded-for")
    fast_listing: bool = option(
        "server", "fast_listing", k.BOOLEAN, "stream PROPFIND Depth 1, sync-collection and "
        "multiget answers (same XML as Radicale, flat memory) and answer a GET of an own "
        "item with one query (same bytes); `false` leaves them to Radicale", True)
    log_level: str = option(
        "logging", "level", k.Text(choices=LOG_LEVELS, case=str.lower),
        "one of " + ", ".join(LOG_LEVELS), "info")
    metrics_token: str = option(
        "metrics", "token", k.TEXT, "bearer token that opens `/.cms/metrics` to any "
        "address (`Authorization: Bearer TOKEN`); empty = loopback and `allow` only", "")
    metrics_allow: tuple[str, ...] = option(
        "metrics", "allow", k.NETWORKS, "addresses/CIDRs besides loopback that may read "
        "`/.cms/metrics` without the token", (), shown_default="none")
    web: str = option(
        "web", "type", k.Text(choices=("internal", "none"), case=str.lower),
        "Radicale's web UI for collections and shares: `internal` or `none`", "internal")
    web_session_idle: float = option(
        "web", "session_idle_seconds", k.SECONDS, "the web app at `/` signs a session out "
        "after this many seconds without a request", 1800.0)
    web_session_max: float = option(
        "web", "session_max_seconds", k.SECONDS, "the web app's sessions end this many "
        "seconds after sign-in, used or not", 43200.0)
    web_import_max_bytes: int = option(
        "web", "import_max_bytes", k.POSITIVE, "largest file the web app's import accepts "
        "(413 beyond); at most 70% of `[server] max_body_bytes` takes effect, as the "
        "confirming step sends the file again, base64-encoded", 5000000)
    sharing_public_links: bool = option(
        "sharing", "public_links", k.BOOLEAN, "anonymous share links (see docs/sharing.md)",
        False)
    sharing_link_days: int = option(
        "sharing", "link_days", k.POSITIVE, "days a new share link stays valid", 30)
    outbox_dispatch: bool = option(
        "outbox", "dispatch", k.BOOLEAN, "`serve` delivers the outbox (webhooks, push, "
        "iMIP) in a background thread of each process; `false` only records events (another node "
        "delivers them)", True)
    outbox_poll_interval: float = option(
        "outbox", "poll_interval", k.POSITIVE_SECONDS, "seconds between looks for due "
        "deliveries when none was due", 1.0)
    outbox_lease: float = option(
        "outbox", "lease", k.POSITIVE_SECONDS, "seconds a claimed delivery stays with its "
        "process; a process that died frees it after this long", 30.0)
    outbox_keep_days: int = option(
        "outbox", "keep_days", k.POSITIVE, "days finished events stay in the outbox", 7)
    webhooks_allow_insecure_endpoints: bool = option(
        "webhooks", "allow_insecure_endpoints", k.BOOLEAN, "also accept `http` endpoints "
        "and hosts on loopback/private addresses (tests, closed networks)", False)
    webhooks_timeout: float = option(
        "webhooks", "timeout", k.POSITIVE_SECONDS, "seconds to connect to an endpoint and "
        "for each read of its answer", 10.0)
    webhooks_retry_base: float = option(
        "webhooks", "retry_base", k.POSITIVE_SECONDS, "seconds before the first retry; "
        "each later one waits twice as long", 1.0)
    webhooks_retry_cap: float = option(
        "webhooks", "retry_cap", k.POSITIVE_SECONDS, "longest wait between two attempts",
        3600.0)
    webhooks_retry_for: float = option(
        "webhooks", "retry_for", k.POSITIVE_SECONDS, "seconds after the change an event "
        "is still retried; then it has failed", 86400.0)
    webhooks_disable_after: int = option(
        "webhooks", "disable_after", k.POSITIVE, "failed events in a row that disable an "
        "endpoint (`cms-dav webhook enable ID` turns it back on)", 5)
    webhooks_log_days: int = option(
        "webhooks", "log_days", k.POSITIVE, "days delivery attempts stay in "
        "`cms-dav webhook log`", 30)
    scheduling_enabled: bool = option(
        "scheduling", "enabled", k.BOOLEAN, "CalDAV scheduling (RFC 6638): invitations "
        "between users of this server, answers, cancellations, free-busy, the inbox and "
        "outbox; `false` hides all of it", True)
    smtp_host: str = option(
        "scheduling", "smtp_host", k.TEXT, "SMTP server that carries invitations to "
        "attendees who are not users here (iMIP, RFC 6047); empty = none are sent", "")
    smtp_port: int = option(
        "scheduling", "smtp_port", k.PORT, "port of `smtp_host`", 587)
    smtp_from: str = option(
        "scheduling", "smtp_from", k.TEXT, "`From` of iMIP messages (the organizer is "
        "their `Reply-To`); empty = the organizer's address", "")
    smtp_starttls: bool = option(
        "scheduling", "smtp_starttls", k.BOOLEAN, "upgrade the SMTP connection with "
        "STARTTLS before logging in or sending", True)
    smtp_user: str = option(
        "scheduling", "smtp_user", k.TEXT, "SMTP login; empty = send without one", "")
    smtp_password: str = option(
        "scheduling", "smtp_password", k.TEXT, "password of `smtp_user` (never logged)",
        "", secret=True)
    smtp_timeout: float = option(
        "scheduling", "smtp_timeout", k.POSITIVE_SECONDS, "seconds to connect to the SMTP "
        "server and for each of its answers", 30.0)
    smtp_retry_base: float = option(
        "scheduling", "smtp_retry_base", k.POSITIVE_SECONDS, "seconds before the first "
        "retry of an iMIP message; each later one waits twice as long (at most an hour)",
        60.0)
    smtp_retry_for: float = option(
        "scheduling", "smtp_retry_for", k.POSITIVE_SECONDS, "seconds after the change an "
        "iMIP message is still retried (temporary SMTP failures)", 86400.0)
    principal_search: str = option(
        "sharing", "principal_search", k.Text(choices=("users", "groups"), case=str.lower),
        "whom principal search (RFC 3744 `principal-property-search`) lists: `users` "
        "(every user) or `groups` (members of the caller's groups)", "users")
    push_enabled: bool = option(
        "push", "enabled", k.BOOLEAN, "WebDAV-Push: `webdav-push` in the DAV header, the "
        "push properties on collections and `push-register`; `false` hides all of it", True)
    push_allow_insecure_endpoints: bool = option(
        "push", "allow_insecure_endpoints", k.BOOLEAN, "also accept `http` push resources "
        "and hosts on loopback/private addresses (tests, closed networks)", False)
    push_max_subscriptions: int = option(
        "push", "max_subscriptions", k.POSITIVE, "push subscriptions one user may hold "
        "(507 beyond)", 100)
    push_max_days: int = option(
        "push", "max_days", k.POSITIVE, "longest lifetime of a subscription; a client asking "
        "for more (or nothing) gets this, and re-registers before it ends", 7)
    push_min_interval: float = option(
        "push", "min_interval", k.POSITIVE_SECONDS, "seconds between two messages to one "
        "subscription; changes in between are coalesced into one with the newest sync "
        "token", 5.0)
    push_timeout: float = option(
        "push", "timeout", k.POSITIVE_SECONDS, "seconds to connect to a push service and "
        "for each read of its answer", 10.0)
    push_retry_for: float = option(
        "push", "retry_for", k.POSITIVE_SECONDS, "seconds after the change a message is "
        "still retried", 3600.0)
    push_contact: str = option(
        "push", "contact", k.TEXT, "the `sub` claim of VAPID signatures (RFC 8292 §2.1): a "
        "`mailto:` or `https:` URI push services may use to reach the operator",
        "mailto:postmaster@localhost")
    limits: Limits = field(default_factory=Limits)
    #: ``[radicale:NAME]`` sections, checked by cms_dav.config.radicale_sections
    extra_radicale: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_set_in_code(self, SETTING_OPTIONS)
        if not isinstance(self.limits, Limits):
            raise ConfigError(f"[limits] ({IN_CODE}): not a Limits")

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return None

    @property
    def users_in_database(self) -> bool:
        """``[auth] users``, ``auto`` resolved from the URL: nodes on one PostgreSQL must
        agree on who may log in, a single SQLite process keeps the htpasswd file."""
        if self.users == "auto":
            return self.database_url.startswith(("postgresql", "postgres:"))
        return self.users == "database"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with ``changes``; each is checked like a config value ("set in code")."""
        return replace(self, **changes)  # type: ignore[arg-type]  # __post_init__ checks the values


def _check_set_in_code(settings: object, options: tuple[Option, ...]) -> None:
    for described in options:
        value = getattr(settings, described.attribute)
        try:
            described.kind.check(value)
        except ValueError as exc:
            raise problem(f"{described.name} = {value}", IN_CODE, str(exc)) from None


LIMIT_OPTIONS = tuple(replace(each, key=each.attribute) for each in options_of(Limits))
SETTING_OPTIONS = options_of(Settings)
#: every cms_dav setting, grouped by section in SECTIONS order
OPTIONS = tuple(sorted(SETTING_OPTIONS + LIMIT_OPTIONS,
                       key=lambda each: SECTIONS.index(each.section)))

"""cms-dav.conf -> Settings -> Radicale configuration.

One INI file (``--config`` / ``CMS_DAV_CONFIG``) plus the data dir (``--data-dir`` /
``CMS_DAV_DATA_DIR``) decide everything; every path that is not set explicitly lives
under the data dir so that a fresh clone needs no configuration at all.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DATA_DIR = "./var"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5232


class ConfigError(Exception):
    """A configuration problem, reported to the admin as one line."""


@dataclass(frozen=True)
class Limits:
    """``[limits]``: bounded work per request (issue 10, item 3). 0 never means "off"."""

    #: one vCard/iCalendar object, in bytes (RFC 6352 §6.3.2.1, RFC 4791 §5.3.2.1)
    max_item_bytes: int = 1_000_000
    #: physical content lines in one object
    max_item_lines: int = 10_000
    #: one unfolded content line, in bytes
    max_line_bytes: int = 65_536
    #: properties in one component (BEGIN..END)
    max_properties: int = 5_000
    #: one dead property value set by PROPPATCH / extended MKCOL / MKCALENDAR
    max_property_value_bytes: int = 4_096
    #: properties set or removed in one PROPPATCH / MKCOL / MKCALENDAR
    max_properties_per_request: int = 50
    #: collections below one user's home
    max_collections_per_user: int = 100
    #: items in one address book or calendar
    max_items_per_collection: int = 200_000
    #: XML element nesting depth of a request body
    max_xml_depth: int = 64
    #: XML elements in one request body (a 100k-href multiget needs ~100k)
    max_xml_elements: int = 250_000
    #: properties named in one PROPFIND
    max_propfind_properties: int = 1_000
    #: recurrence instances one REPORT may return (expand, free-busy; Radicale's
    #: [reporting] max_expand_occurrence, which also counts the events of calendar-data)
    max_instances: int = 10_000
    #: recurrence instances examined for one event while answering one query
    max_instances_examined: int = 100_000
    #: earliest / latest date (UTC, YYYYMMDD) a time-range or expand may name
    min_date_time: str = "19000101T000000Z"
    max_date_time: str = "21000101T000000Z"
    #: seconds an addressbook-query or calendar-query may work before it is stopped
    query_seconds: float = 10.0


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    config_file: Path | None = None
    database_url: str = ""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    htpasswd_file: Path = Path()
    rights_file: Path = Path()
    #: default phone region (ISO 3166 alpha-2) for numbers typed without "+"
    default_region: str = ""
    #: seconds a verified login is remembered (0 disables the cache)
    login_cache_seconds: int = 300
    #: failed logins per (user, network) before that pair is locked out (0 = never)
    lockout_threshold: int = 10
    #: lockout length, and the quiet time after which failures are forgotten
    lockout_seconds: int = 300
    #: failed logins per user across all networks before the account is locked out
    account_lockout_threshold: int = 50
    #: delay before checking the password after 1 failure; doubles per failure...
    first_delay_seconds: float = 0.25
    #: ...up to this cap (the network dimension never locks out, it only slows down)
    max_delay_seconds: float = 5.0
    #: bound on stored failure counters (oldest unlocked dropped first)
    throttle_max_rows: int = 100_000
    #: days a deleted item/collection stays in the trash
    trash_days: int = 30
    #: days a sync token stays valid (changes older than this are pruned)
    sync_token_days: int = 30
    max_body_bytes: int = 10_000_000
    #: the built-in front (cms_dav.serving): deadlines in seconds, then connection limits
    header_timeout: int = 10
    body_timeout: int = 60
    keepalive_timeout: int = 15
    max_connections: int = 1000
    max_connections_per_address: int = 50
    workers: int = 8
    #: stream PROPFIND Depth 1, sync-collection and multiget answers (cms_dav.wsgi.fast_listing)
    fast_listing: bool = True
    log_level: str = "info"
    web: str = "internal"
    #: [sharing] anonymous token links (off by default; see docs/sharing.md)
    sharing_public_links: bool = False
    #: [sharing] days a new token link stays valid
    sharing_link_days: int = 30
    limits: Limits = field(default_factory=Limits)
    extra_radicale: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return None

    def with_overrides(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]  # replace() checks names and takes any value


def _int(parser: configparser.ConfigParser, section: str, key: str, default: int) -> int:
    raw = parser.get(section, key, fallback=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"[{section}] {key} = {raw!r}: not a whole number") from None


def _bool(parser: configparser.ConfigParser, section: str, key: str, default: bool) -> bool:
    raw = parser.get(section, key, fallback=None)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise ConfigError(f"[{section}] {key} = {raw!r}: not true or false")


def _positive(parser: configparser.ConfigParser, section: str, key: str, default: int) -> int:
    value = _int(parser, section, key, default)
    if value < 1:
        raise ConfigError(f"[{section}] {key} = {value}: must be at least 1")
    return value


def _float(parser: configparser.ConfigParser, section: str, key: str, default: float) -> float:
    raw = parser.get(section, key, fallback=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"[{section}] {key} = {raw!r}: not a number") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"[{section}] {key} = {raw!r}: must be a finite number >= 0")
    return value


def load_settings(data_dir: str | os.PathLike[str] | None = None,
                  config_file: str | os.PathLike[str] | None = None) -> Settings:
    """Read the config file (if any) and fill in defaults relative to the data dir."""
    data_dir = data_dir or os.environ.get("CMS_DAV_DATA_DIR") or None
    config_file = config_file or os.environ.get("CMS_DAV_CONFIG") or None
    parser = configparser.ConfigParser(interpolation=None)
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        try:
            with path.open(encoding="utf-8") as handle:
                parser.read_file(handle)
        except (configparser.Error, UnicodeDecodeError) as exc:
            first_line = str(exc).splitlines()[0]
            raise ConfigError(f"config file {path}: {first_line}") from None
    known = {"server", "storage", "auth", "rights", "contacts", "trash", "logging", "web",
             "radicale", "sharing", "limits"}
    for section in parser.sections():
        if section not in known and not section.startswith("radicale:"):
            raise ConfigError(f"config file {config_file}: unknown section [{section}]")
    base = Path(data_dir if data_dir is not None
                else parser.get("storage", "data_dir", fallback=DEFAULT_DATA_DIR))
    base = base.expanduser().absolute()

    def path_option(section: str, key: str, default: Path) -> Path:
        raw = parser.get(section, key, fallback="").strip()
        return Path(raw).expanduser().absolute() if raw else default

    url = parser.get("storage", "database_url", fallback="").strip()
    if not url:
        url = f"sqlite:///{base / 'cms-dav.sqlite3'}"
    extra: dict[str, dict[str, str]] = {}
    for section in parser.sections():
        if section.startswith("radicale:"):
            extra[section.split(":", 1)[1]] = dict(parser.items(section))
    return Settings(
        data_dir=base,
        config_file=Path(config_file).absolute() if config_file else None,
        database_url=url,
        host=parser.get("server", "host", fallback=DEFAULT_HOST),
        port=_int(parser, "server", "port", DEFAULT_PORT),
        max_body_bytes=_int(parser, "server", "max_body_bytes", 10_000_000),
        header_timeout=_int(parser, "server", "header_timeout", 10),
        body_timeout=_int(parser, "server", "body_timeout", 60),
        keepalive_timeout=_int(parser, "server", "keepalive_timeout", 15),
        max_connections=_int(parser, "server", "max_connections", 1000),
        max_connections_per_address=_int(parser, "server", "max_connections_per_address", 50),
        workers=_int(parser, "server", "workers", 8),
        fast_listing=_bool(parser, "server", "fast_listing", True),
        htpasswd_file=path_option("auth", "htpasswd_file", base / "users"),
        login_cache_seconds=_int(parser, "auth", "login_cache_seconds", 300),
        lockout_threshold=_int(parser, "auth", "lockout_threshold", 10),
        lockout_seconds=_int(parser, "auth", "lockout_seconds", 300),
        account_lockout_threshold=_int(parser, "auth", "account_lockout_threshold", 50),
        first_delay_seconds=_float(parser, "auth", "first_delay_seconds", 0.25),
        max_delay_seconds=_float(parser, "auth", "max_delay_seconds", 5.0),
        throttle_max_rows=_int(parser, "auth", "throttle_max_rows", 100_000),
        rights_file=path_option("rights", "file", base / "rights.toml"),
        default_region=parser.get("contacts", "default_region", fallback="").strip().upper(),
        trash_days=_int(parser, "trash", "days", 30),
        sync_token_days=_int(parser, "storage", "sync_token_days", 30),
        log_level=parser.get("logging", "level", fallback="info"),
        web=parser.get("web", "type", fallback="internal"),
        sharing_public_links=_bool(parser, "sharing", "public_links", False),
        sharing_link_days=_positive(parser, "sharing", "link_days", 30),
        limits=_limits(parser),
        extra_radicale=extra,
    )


def _limits(parser: configparser.ConfigParser) -> Limits:
    """The ``[limits]`` section; every value must be positive."""
    defaults = Limits()
    values: dict[str, object] = {}
    raw: str | None
    for name, default in vars(defaults).items():
        if isinstance(default, str):
            raw = parser.get("limits", name, fallback=default).strip().upper()
            if not re.fullmatch(r"\d{8}T\d{6}Z", raw):
                raise ConfigError(f"[limits] {name} = {raw!r}: not a UTC date-time "
                                  f"such as 21000101T000000Z")
            values[name] = raw
            continue
        if isinstance(default, float):
            raw = parser.get("limits", name, fallback=None)
            try:
                value: float = float(raw) if raw and raw.strip() else default
            except ValueError:
                raise ConfigError(f"[limits] {name} = {raw!r}: not a number") from None
        else:
            value = _int(parser, "limits", name, default)
        if value <= 0:
            raise ConfigError(f"[limits] {name} = {value}: must be greater than 0")
        values[name] = value
    unknown = set(parser.options("limits")) - set(values) if parser.has_section("limits") \
        else set()
    if unknown:
        raise ConfigError(f"[limits] unknown option(s): {', '.join(sorted(unknown))}")
    return Limits(**values)  # type: ignore[arg-type]  # each value was parsed to its field's type above

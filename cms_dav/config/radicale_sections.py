"""``[radicale:NAME]`` sections: options passed straight to Radicale's ``[NAME]``.

They may tune Radicale (TLS, logging detail, response headers, a storage hook...) but
never replace what cms_dav decides itself: the storage, auth, rights, group and sharing
plugins and the keys cms_dav sets for them, nor an option that one of cms_dav's own
settings already sets (two places for one value would disagree). Every refusal names
the setting to use instead. Sections and keys are checked against Radicale's own
schema (``radicale.config.DEFAULT_CONFIG_SCHEMA``), so a typo gets a "did you mean".
"""

from __future__ import annotations

import configparser
from typing import Any

from cms_dav.config.errors import Origin, problem
from cms_dav.config.ini import Section
from cms_dav.config.settings import OPTIONS
from cms_dav.config.suggest import did_you_mean

PREFIX = "radicale:"

#: sections whose plugin cms_dav chooses, and the Radicale options there that stay open
#: (they are read by Radicale itself, not by the plugin cms_dav replaces)
PLUGIN_SECTIONS: dict[str, frozenset[str]] = {
    # [storage] hook: a command after each change (issue 11.3: cms_dav's storage plugin
    # runs it), strict_preconditions: read by Radicale's request handling
    "storage": frozenset({"hook", "strict_preconditions"}),
    "auth": frozenset({"lc_username", "uc_username", "strip_domain"}),
    "rights": frozenset({"permit_delete_collection", "permit_overwrite_collection"}),
    "group": frozenset(),
    "sharing": frozenset({"permit_properties_overlay", "enforce_properties_overlay",
                          "conversion_bday_summary_template",
                          "conversion_bday_description_template",
                          "conversion_bday_alarm_trigger_template",
                          "conversion_bday_categories", "conversion_bday_age_max"}),
}

_DATA = "use [storage] data_dir or database_url"
#: what to use instead of a Radicale option that cms_dav sets or does not use
INSTEAD: dict[tuple[str, str], str] = {
    ("storage", "type"): "cms_dav chooses Radicale's storage plugin itself "
                         "(its SQL database); use [storage] database_url",
    ("storage", "predefined_collections"): "set by cms_dav: every new user gets one "
                                           "address book and one calendar",
    ("storage", "cms_dav_data_dir"): _DATA.replace("or database_url", "(or --data-dir)"),
    ("storage", "cms_dav_config"): "set by cms_dav to the file being read (--config)",
    ("storage", "filesystem_folder"): _DATA,
    ("storage", "max_sync_token_age"): "use [storage] sync_token_days",
    ("auth", "type"): "cms_dav chooses Radicale's auth plugin itself (its users file); "
                      "use [auth] htpasswd_file",
    ("auth", "htpasswd_filename"): "use [auth] htpasswd_file",
    ("auth", "htpasswd_encryption"): "cms_dav's users file is always bcrypt",
    ("auth", "delay"): "use [auth] first_delay_seconds and max_delay_seconds",
    ("auth", "cache_logins"): "use [auth] login_cache_seconds",
    ("auth", "cache_successful_logins_expiry"): "use [auth] login_cache_seconds",
    ("auth", "cache_failed_logins_expiry"): "use [auth] lockout_threshold and "
                                            "lockout_seconds",
    ("auth", "realm"): "set by cms_dav",
    ("auth", "urldecode_username"): "set by cms_dav",
    ("rights", "type"): "cms_dav chooses Radicale's rights plugin itself; use [rights] "
                        "file (admins, groups, grants) and shares",
    ("rights", "file"): "use [rights] file",
    ("group", "type"): "cms_dav chooses Radicale's group plugin itself; groups are in "
                       "the [rights] file",
    ("group", "htgroup_filename"): "groups are in the [rights] file",
    ("sharing", "type"): "cms_dav chooses Radicale's sharing plugin itself (shares in "
                         "its database)",
    ("sharing", "database_path"): "shares are in cms_dav's database; "
                                  "use [storage] database_url",
    ("sharing", "collection_by_token"): "use [sharing] public_links",
    ("sharing", "permit_create_token"): "use [sharing] public_links",
    ("sharing", "collection_by_map"): "set by cms_dav: sharing with users is always on",
    ("sharing", "permit_create_map"): "set by cms_dav: sharing with users is always on",
    ("sharing", "default_permissions_create_map"): "set by cms_dav: a share is read-only "
                                                   "unless its creator asks for more",
    ("sharing", "default_permissions_create_token"): "set by cms_dav: a link is read-only "
                                                     "unless its creator asks for more",
    ("server", "hosts"): "use [server] host and port",
    ("server", "max_connections"): "use [server] max_connections",
    ("server", "timeout"): "use [server] header_timeout, body_timeout, keepalive_timeout",
    ("server", "max_content_length"): "use [server] max_body_bytes",
    ("server", "max_resource_size"): "use [limits] max_item_bytes",
    ("reporting", "max_expand_occurrence"): "use [limits] max_instances",
    ("reporting", "max_freebusy_occurrence"): "use [limits] max_instances",
    ("logging", "level"): "use [logging] level",
    ("logging", "mask_passwords"): "cms_dav always masks passwords in logs",
    ("web", "type"): "use [web] type",
}

#: Radicale sections that take any key (extra response headers)
_OPEN_SECTIONS = frozenset({"headers"})


def _schema() -> Any:
    """Radicale's option schema, imported when a ``[radicale:NAME]`` section is checked:
    ``radicale.config`` loads all of Radicale (its package imports the application), which
    a command that never touches Radicale need not pay for (issue 19 target 5)."""
    from radicale.config import DEFAULT_CONFIG_SCHEMA

    return DEFAULT_CONFIG_SCHEMA


def radicale_sections() -> list[str]:
    return [name for name in _schema() if not name.startswith("_")]


def radicale_keys(section: str) -> list[str]:
    return [key for key in _schema()[section] if not key.startswith("_")]


def check_radicale_section(section: Section) -> dict[str, str]:
    """The options of ``[radicale:NAME]`` for Radicale's ``[NAME]``, or a ConfigError."""
    name = section.name[len(PREFIX):]
    if name not in radicale_sections():
        hint = did_you_mean(name, radicale_sections(), PREFIX, brackets=True)
        raise problem(f"[{section.name}]", section.origin,
                      f"Radicale has no section [{name}]; {hint}")
    options: dict[str, str] = {}
    for entry in section.entries:
        subject = f"[{section.name}] {entry.key}"
        reason = refusal(name, entry.key)
        if reason:
            raise problem(subject, entry.origin, reason)
        if name not in _OPEN_SECTIONS:
            _check_value(name, entry.key, entry.raw, subject, entry.origin)
        options[entry.key] = entry.raw
    return options


def refusal(section: str, key: str) -> str:
    """Why ``[radicale:section] key`` may not be set ("" when it may)."""
    instead = INSTEAD.get((section, key))
    if instead:
        return f"not for the config file: {instead}"
    if key.startswith("cms_dav_"):
        own = [each.name for each in OPTIONS if each.key == key[len("cms_dav_"):]]
        return "set by cms_dav" + (f"; use {own[0]}" if own else "")
    allowed = PLUGIN_SECTIONS.get(section)
    if allowed is not None and key not in allowed and key in radicale_keys(section):
        return (f"not used with cms_dav's {section} plugin; Radicale options open here: "
                f"{', '.join(sorted(allowed)) or 'none'}")
    return ""


def _check_value(section: str, key: str, raw: str, subject: str, origin: Origin) -> None:
    """The key exists in Radicale's ``[section]`` and Radicale's own type accepts ``raw``."""
    schema = _schema()[section]
    if key not in radicale_keys(section):
        hint = did_you_mean(key, radicale_keys(section))
        raise problem(subject, origin, f"Radicale has no such option in [{section}]; {hint}")
    convert = schema[key]["type"]
    try:
        if convert is bool:
            if raw.lower() not in configparser.ConfigParser.BOOLEAN_STATES:
                raise ValueError("not true or false")
        else:
            convert(raw)
    except (ValueError, TypeError) as exc:
        raise problem(f"{subject} = {raw}", origin, f"Radicale refuses it: {exc}") from None

"""Find the cms_dav settings from inside a Radicale plugin.

Under ``cms-dav serve`` the server module knows the :class:`Settings`. When a plain
Radicale config names ``cms_dav_plugins.auth`` instead, the settings come from raw keys of
its ``[auth]`` section: ``cms_dav_data_dir`` / ``cms_dav_config`` (load cms-dav.conf), or
else the stock ``htpasswd_filename`` plus optional ``cms_dav_login_cache_seconds``,
``cms_dav_lockout_threshold`` and ``cms_dav_lockout_seconds``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cms_dav.config import ConfigError, Settings, load_settings

INT_KEYS = ("login_cache_seconds", "lockout_threshold", "lockout_seconds")


def _raw(configuration: Any, key: str) -> str | None:
    try:
        value = configuration.get("auth", key)
    except KeyError:
        return None
    return str(value).strip() or None


def _from_server() -> Settings | None:
    try:
        from cms_dav.server import current_settings  # type: ignore[attr-defined]
    except ImportError:
        return None
    settings = current_settings()
    return settings if isinstance(settings, Settings) else None


def settings_from_radicale(configuration: Any) -> Settings:
    settings = _from_server()
    if settings is not None:
        return settings
    data_dir, config_file = _raw(configuration, "cms_dav_data_dir"), _raw(configuration,
                                                                          "cms_dav_config")
    if data_dir or config_file:
        return load_settings(data_dir, config_file)
    htpasswd = Path(_raw(configuration, "htpasswd_filename") or "users").expanduser().absolute()
    changes: dict[str, object] = {"htpasswd_file": htpasswd}
    for name in INT_KEYS:
        raw = _raw(configuration, f"cms_dav_{name}")
        if raw is not None:
            try:
                changes[name] = int(raw)
            except ValueError:
                raise ConfigError(f"[auth] cms_dav_{name} = {raw!r}: not a whole number") from None
    return Settings(data_dir=htpasswd.parent).with_overrides(**changes)

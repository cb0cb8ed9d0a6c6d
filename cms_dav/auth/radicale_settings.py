"""Find the cms_dav settings from inside a Radicale plugin.

Under ``cms-dav serve`` the server hands the data dir and config file to Radicale as raw
``[storage]`` keys, and :func:`cms_dav.runtime.settings_for` turns them back into the one
:class:`Settings` every plugin shares. A plain Radicale config that uses only our auth
plugin can instead put ``cms_dav_data_dir`` / ``cms_dav_config`` in ``[auth]``, or rely on
the stock ``htpasswd_filename`` plus optional ``cms_dav_login_cache_seconds``,
``cms_dav_lockout_threshold`` and ``cms_dav_lockout_seconds``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cms_dav.config import ConfigError, Settings, load_settings

INT_KEYS = ("login_cache_seconds", "lockout_threshold", "lockout_seconds",
            "account_lockout_threshold")


def _raw(configuration: Any, key: str, section: str = "auth") -> str | None:
    try:
        value = configuration.get(section, key)
    except KeyError:
        return None
    return str(value).strip() or None


def settings_from_radicale(configuration: Any) -> Settings:
    from cms_dav import runtime  # imports the store: only needed inside a server
    if any(_raw(configuration, key, "storage") for key in (runtime.DATA_DIR_KEY,
                                                           runtime.CONFIG_KEY)):
        return runtime.settings_for(configuration)
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

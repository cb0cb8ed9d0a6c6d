"""Settings and the store as seen from inside Radicale's plugins.

The server passes the data dir and config file to Radicale as raw ``[storage]`` keys;
every plugin (storage, auth, rights, group, sharing) turns them back into the same
``Settings`` and the same per-process ``Store`` here.
"""

from __future__ import annotations

import threading
from typing import Any

from cms_dav.config import Settings, load_settings
from cms_dav.store.store import Store

DATA_DIR_KEY = "cms_dav_data_dir"
CONFIG_KEY = "cms_dav_config"

_settings: dict[tuple[str, str], Settings] = {}
_lock = threading.Lock()


def _raw(configuration: Any, key: str) -> str:
    try:
        return str(configuration.get("storage", key) or "")
    except KeyError:
        return ""


def settings_for(configuration: Any) -> Settings:
    key = (_raw(configuration, DATA_DIR_KEY), _raw(configuration, CONFIG_KEY))
    with _lock:
        settings = _settings.get(key)
        if settings is None:
            settings = load_settings(key[0] or None, key[1] or None)
            _settings[key] = settings
        return settings


def store_for(configuration: Any) -> Store:
    from cms_dav.wiring import open_store
    return open_store(settings_for(configuration))


def radicale_storage_keys(settings: Settings) -> dict[str, str]:
    return {DATA_DIR_KEY: str(settings.data_dir),
            CONFIG_KEY: str(settings.config_file or "")}

"""cms_dav's configuration: cms-dav.conf (INI) -> a frozen, checked ``Settings``.

``settings`` describes every setting once (section, key, kind, default, help);
``loader`` is the one builder from a file; ``radicale_sections`` guards what
``[radicale:NAME]`` may pass to Radicale; ``docs`` renders the README table.
"""

from cms_dav.config.errors import ConfigError
from cms_dav.config.loader import load_settings
from cms_dav.config.settings import DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, Limits, Settings

__all__ = ["ConfigError", "DEFAULT_DATA_DIR", "DEFAULT_HOST", "DEFAULT_PORT", "Limits",
           "Settings", "load_settings"]

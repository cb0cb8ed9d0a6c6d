"""Plugs the domain layers into the store's extension points, once per process.

The store (plumbing) knows nothing of contacts; this module is where the porcelain
registers the upload filters and write hooks, so that the DAV plugin and the CLI,
which both open the store through :func:`open_store`, behave the same.
"""

from __future__ import annotations

import threading

from cms_dav.config import Settings
from cms_dav.store.store import UPLOAD_FILTERS, WRITE_HOOKS, Store

_installed = False
_lock = threading.Lock()
_index_hook = None  # the SearchIndexHook once installed: its region follows the settings


def install_domain_hooks(settings: Settings | None = None) -> None:
    """Register the hooks once; ``settings`` gives the search index its phone region."""
    global _installed, _index_hook
    with _lock:
        if _installed:
            if _index_hook is not None and settings is not None:
                _index_hook.default_region = settings.default_region
            return
        from cms_dav.contacts.upload_filter import keep_interactions
        UPLOAD_FILTERS.append(keep_interactions)
        try:
            from cms_dav.contacts.index_hook import SearchIndexHook
        except ImportError:
            pass
        else:
            _index_hook = SearchIndexHook(settings.default_region if settings else "")
            WRITE_HOOKS.append(_index_hook)
        _installed = True


def open_store(settings: Settings) -> Store:
    """The store for these settings, migrated, with the domain hooks installed."""
    install_domain_hooks(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store.open(settings.database_url, settings.sync_token_days, settings.limits)

"""Radicale-facing plugin modules: thin adapters onto :mod:`cms_dav`.

They are built by :class:`cms_dav.app.App`, which hands each its services (store,
policy, share database, authenticator) through Radicale's public plugin API (a
callable ``[section] type``). They cannot be named by module in a plain Radicale
config: their constructor needs the service, and building one from a config alone
would need a process-wide registry (see README, "Architecture").
"""

from __future__ import annotations

from typing import NoReturn


def not_standalone(module: str) -> NoReturn:
    """The error for ``[section] type = cms_dav_plugins.X`` in a plain Radicale config."""
    raise RuntimeError(
        f"{module} is built by cms_dav's App with its services: serve with `cms-dav serve` "
        "or cms_dav.server.application(settings), not by naming the module in a "
        "Radicale config")


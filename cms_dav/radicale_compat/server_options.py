"""Radicale options that are not documented configuration.

``[server] _internal_server`` tells ``radicale.app.Application`` that it runs behind
Radicale's own HTTP server, so it checks ``Content-Length`` against
``max_content_length`` itself. cms_dav's own front (``cms_dav.serving``) wants the same.
"""

from __future__ import annotations

from typing import Any

from cms_dav.radicale_compat.shapes import Shape, contains, mentions

USER = "cms-dav serve (cms_dav/app.py)"


def mark_internal_server(configuration: Any, source: str = "cms-dav serve") -> None:
    """Make Radicale check request sizes as under its own server."""
    configuration.update({"server": {"_internal_server": "True"}}, source, privileged=True)


def shapes() -> list[Shape]:
    return [contains("radicale.config.DEFAULT_CONFIG_SCHEMA", ("server", "_internal_server"),
                     USER),
            mentions("radicale.app.Application.__init__", '"_internal_server"',
                     "reads [server] _internal_server", USER)]

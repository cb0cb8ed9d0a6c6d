"""``cms-dav serve``."""

from __future__ import annotations

import click

from cms_dav.cli.common import CliError, pass_settings
from cms_dav.config import ConfigError, Settings


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default 5232).")
@pass_settings
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve CardDAV/CalDAV (SQLite under the data dir unless the config names a database)."""
    from cms_dav import server

    settings = settings.with_overrides(host=host or settings.host, port=port or settings.port)
    try:  # the start-up banner (cms_dav.serving.banner) says where and who
        server.serve(settings)
    except (RuntimeError, ConfigError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # e.g. the address is already in use
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None


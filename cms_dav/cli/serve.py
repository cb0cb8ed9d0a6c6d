"""``cms-dav serve``."""

from __future__ import annotations

import click

from cms_dav.cli.common import CliError, pass_settings
from cms_dav.config import Settings


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 5232).")
@pass_settings
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve CardDAV/CalDAV (SQLite under the data dir unless the config names a database)."""
    from cms_dav import server

    settings = settings.with_overrides(host=host or settings.host, port=port or settings.port)
    click.echo(f"cms_dav serving http://{settings.host}:{settings.port}/ "
               f"(data dir {settings.data_dir})", err=True)
    try:
        server.serve(settings)
    except RuntimeError as exc:
        raise CliError(str(exc)) from None

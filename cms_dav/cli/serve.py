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
    click.echo(f"cms_dav serving http://{settings.host}:{settings.port}/ "
               f"(data dir {settings.data_dir})", err=True)
    if not _has_users(settings):
        click.echo("no users yet: add one with `cms-dav user add NAME` "
                   "(clients get 401 until then)", err=True)
    try:
        server.serve(settings)
    except (RuntimeError, ConfigError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # e.g. the address is already in use
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None


def _has_users(settings: Settings) -> bool:
    from cms_dav.auth.htpasswd import HtpasswdFile

    return settings.htpasswd_file.exists() and bool(HtpasswdFile(settings.htpasswd_file).names())

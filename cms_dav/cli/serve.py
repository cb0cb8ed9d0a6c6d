"""``cms-dav serve``."""

from __future__ import annotations

import sys

import click

from cms_dav.cli.common import CliError, pass_settings
from cms_dav.config import ConfigError, Settings


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default 5232).")
@click.option("--workers", type=click.IntRange(0), default=None,
              help="Worker processes sharing the port (default [server] processes: 0 = one "
                   "per core; 1 = a single process).")
@pass_settings
def serve(settings: Settings, host: str | None, port: int | None,
          workers: int | None) -> None:
    """Serve CardDAV/CalDAV (SQLite under the data dir unless the config names a database)."""
    from cms_dav.serving import metrics_dir
    from cms_dav.serving.workers import default_count

    settings = settings.with_overrides(host=host or settings.host, port=port or settings.port)
    processes = settings.processes if workers is None else workers
    processes = processes or default_count()
    made = metrics_dir.prepare() if processes > 1 else None  # before prometheus_client loads
    try:
        from cms_dav import server

        # the start-up banner (cms_dav.serving.banner) says where and who
        status = server.serve(settings, processes)
    except (RuntimeError, ConfigError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # e.g. the address is already in use
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None
    finally:
        metrics_dir.remove(made)
    if status:
        sys.exit(status)

"""The few lines ``cms-dav serve`` logs at start-up (issue 17, item 4): where it serves,
what it serves from, who can log in and how clients connect. Radicale's configuration
dump is at DEBUG instead (``radicale_compat.logs.startup_at_debug``)."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from cms_dav import __version__
from cms_dav.config import Settings


def banner(settings: Settings, users: int, *, https: bool) -> list[str]:
    """The banner's lines; ``users`` counted from the users file or table."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"{'https' if https else 'http'}://{host}:{settings.port}/"
    data_dir = str(settings.data_dir)
    add = f"cms-dav --data-dir {data_dir} user add NAME"
    return [
        f"cms_dav {__version__} serving {url}",
        f"  data dir: {data_dir}",
        f"  database: {database_text(settings.database_url)}",
        f"  users:    {users} in "
        + ("the database" if settings.users_in_database else str(settings.htpasswd_file))
        + (f"; add one with `{add}`" if users else
           f" - nobody can log in yet: add one with `{add}`"),
        f"  clients:  base URL {url} with user name and password (CardDAV/CalDAV "
        "discovery finds every address book and calendar; README: Connecting clients)",
        f"  ops:      {url}.cms/health[?ready], {url}.cms/metrics (loopback"
        + (", [metrics] allow" if settings.metrics_allow else "")
        + (", bearer token" if settings.metrics_token else "") + ")",
    ]


def database_text(url: str) -> str:
    """The database URL without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a banner never fails the start
        return "(unparsable URL)"

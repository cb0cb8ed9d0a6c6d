"""``cms-dav migrate-db --to postgresql://…``: SQLite → empty PostgreSQL, tokens kept;
the users file's logins go into the ``users`` table (PostgreSQL keeps users in the
database by default, ``[auth] users``)."""

from __future__ import annotations

import click

from sqlalchemy import Engine

from cms_dav.auth import htpasswd
from cms_dav.auth.users_table import UsersTable
from cms_dav.cli.common import CliError, emit_json, pass_settings
from cms_dav.config import Settings
from cms_dav.io.migrate_db import MigrateError, migrate_database


def _users_into(settings: Settings, copy: Engine) -> int:
    """The users file's entries into the snapshot's ``users`` table (unless the users
    already live in the database, whose table is copied like any other)."""
    if settings.users_in_database:
        return 0
    users = htpasswd.HtpasswdFile(settings.htpasswd_file)
    return UsersTable(copy, users.rounds).adopt(users.entries(), users.where)


@click.command("migrate-db")
@click.option("--to", "url", required=True, metavar="URL",
              help="The empty PostgreSQL database, e.g. postgresql://cms@db.example/cms.")
@click.option("--batch", type=click.IntRange(min=1), default=500, show_default=True,
              help="Rows per INSERT batch.")
@click.option("--json", "as_json", is_flag=True, help="Print the row counts as JSON.")
@pass_settings
def migrate_db(settings: Settings, url: str, batch: int, as_json: bool) -> None:
    """Copy the configured SQLite database into an empty PostgreSQL database, keeping
    every item, ETag, sync token, share, history and audit row; then point
    [storage] database_url at URL. Stop the server first: later writes are not copied."""
    if settings.sqlite_path is None:
        raise CliError("migrate-db copies from a SQLite database, but [storage] database_url "
                       "already names another database")
    try:
        report = migrate_database(settings.sqlite_path, url, batch=batch,
                                  prepare=lambda copy: _users_into(settings, copy))
    except MigrateError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        emit_json({"tables": report.source, "target": report.target,
                   "mismatches": report.mismatches})
    else:
        for name, count in report.source.items():
            click.echo(f"{name:24} {count:>9}  copied {report.target.get(name, 0):>9}")
    if report.mismatches:
        raise CliError("row counts differ after the copy in: " + ", ".join(report.mismatches))
    if not as_json:
        click.echo(f"copied {report.total} rows; counts verified. Now set [storage] "
                   "database_url to the new database and start cms-dav there.")

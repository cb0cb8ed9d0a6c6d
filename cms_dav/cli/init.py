"""``cms-dav init``: data dir, database and the first (admin) user."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, pass_settings, read_password
from cms_dav.config import Settings

if TYPE_CHECKING:
    from tomlkit import TOMLDocument


@click.command()
@click.option("--admin", "admin_name", default=None, help="Create this admin user.")
@click.option("--password-stdin", is_flag=True, help="Read the admin password from stdin.")
@pass_settings
def init(settings: Settings, admin_name: str | None, password_stdin: bool) -> None:
    """Create the data dir and database (idempotent) and optionally an admin user."""
    from cms_dav.acl.access import ADMIN_ACTOR
    from cms_dav.auth.admin import add_user
    from cms_dav.server import prepare_store

    prepare_store(settings)
    click.echo(f"database ready: {settings.database_url}")
    # not click.get_text_stream: deprecated (Click 8.5 warns, 9 removes it)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if admin_name is None and not password_stdin and interactive:
        admin_name = click.prompt("Admin user name (empty to skip)", default="",
                                  show_default=False) or None
    if admin_name is None:
        return
    try:
        add_user(settings, ADMIN_ACTOR, admin_name, read_password(password_stdin))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    _make_admin(settings, admin_name)
    click.echo(f"admin user {admin_name!r} created")


def _make_admin(settings: Settings, name: str) -> None:
    """List the user under ``admins`` in the rights file (comments and layout kept)."""
    from cms_dav.acl.editor import edit

    def add(document: TOMLDocument) -> None:
        admins = document.setdefault("admins", [])
        if name not in admins:
            admins.append(name)

    edit(settings.rights_file, add)

"""``cms-dav init``: data dir, database and the first (admin) user."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, pass_app, read_password

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.app import App

if TYPE_CHECKING:
    from tomlkit import TOMLDocument


@click.command()
@click.option("--admin", "admin_name", default=None, help="Create this admin user.")
@click.option("--password-stdin", is_flag=True, help="Read the admin password from stdin.")
@pass_app
def init(app: App, admin_name: str | None, password_stdin: bool) -> None:
    """Create the data dir and database (idempotent) and optionally an admin user."""
    from cms_dav.acl.access import ADMIN_ACTOR
    from cms_dav.auth.admin import add_user

    settings = app.settings  # building the App made the data dir and the database
    click.echo(f"database ready: {settings.database_url}")
    if app.push_key is not None:  # building the App made it too ([push] enabled)
        click.echo(f"WebDAV-Push VAPID key: {settings.data_dir / 'push-vapid.pem'}")
    # not click.get_text_stream: deprecated (Click 8.5 warns, 9 removes it)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if admin_name is None and not password_stdin and interactive:
        admin_name = click.prompt("Admin user name (empty to skip)", default="",
                                  show_default=False) or None
    if admin_name is None:
        return
    try:
        add_user(app.authenticator.users, lambda: app.store, ADMIN_ACTOR, admin_name,
                 read_password(password_stdin))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    _make_admin(app.policy, admin_name)
    click.echo(f"admin user {admin_name!r} created")


def _make_admin(policy: Policy, name: str) -> None:
    """List the user under ``admins`` in the rights file (comments and layout kept)."""
    from cms_dav.acl.editor import edit

    def add(document: TOMLDocument) -> None:
        admins = document.setdefault("admins", [])
        if name not in admins:
            admins.append(name)

    edit(policy.file.path, add)
    policy.file.refresh(force=True)

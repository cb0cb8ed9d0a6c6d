"""``cms-dav token add|list|revoke``: app passwords, one per device or integration.

``add`` prints the token once, alone on stdout (the notes go to stderr), so a script
can capture it; nothing ever prints it again, nor its hash. Changes are recorded in
the audit trail (``user.token.add``, ``user.token.revoke``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.acl.scope import TOKEN_SCOPES
from cms_dav.auth.app_passwords import AppPasswords, TokenError
from cms_dav.cli.common import CliError, emit_json, pass_app

if TYPE_CHECKING:
    from cms_dav.app import App

_LIFETIME = re.compile(r"^\s*(\d{1,6})\s*([hdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def parse_lifetime(text: str) -> float | None:
    """"12h", "90d", "2w" -> seconds; "never" -> None."""
    if text.strip().lower() == "never":
        return None
    match = _LIFETIME.match(text)
    if not match or int(match.group(1)) == 0:
        raise CliError(f"--expires {text!r}: expected a lifetime such as 12h, 90d, 2w "
                       "or never")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]


def _app_passwords(app: App, user: str) -> AppPasswords:
    """The App's app passwords, for an existing ``user``."""
    passwords = app.authenticator.app_passwords
    if passwords is None:
        raise CliError("this configuration has no database for app passwords")
    if not app.authenticator.users.exists(user):
        raise CliError(f"user {user!r} does not exist")
    return passwords


@click.group("token")
def token() -> None:
    """App passwords: per-device passwords with a scope, shown once, revocable."""


@token.command("add")
@click.argument("user")
@click.option("--name", required=True, help="What it is for, e.g. \"iPhone\" (unique per user).")
@click.option("--scope", type=click.Choice(TOKEN_SCOPES), default="write", show_default=True,
              help="read: read only; write: read and change data, no sharing; "
                   "admin: all the user may do.")
@click.option("--expires", default="never", show_default=True,
              help="Lifetime: 12h, 90d, 2w or never.")
@pass_app
def add(app: App, user: str, name: str, scope: str, expires: str) -> None:
    """Make an app password for USER and print it (only this once)."""
    passwords = _app_passwords(app, user)
    lifetime = parse_lifetime(expires)
    expires_at = None if lifetime is None else passwords.now() + lifetime
    try:
        secret = passwords.create(app.store.origin(ADMIN_ACTOR), user, name, scope,
                                  expires_at)
    except TokenError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"app password {name!r} of {user} (scope {scope}, expires {expires}); "
               "copy it now, it is not shown again:", err=True)
    click.echo(secret)


@token.command("list")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def list_tokens(app: App, user: str, as_json: bool) -> None:
    """List USER's app passwords (never their secrets)."""
    passwords = _app_passwords(app, user)
    now = passwords.now()
    rows = [info.as_dict(now) for info in passwords.of_user(user)]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(f"{user} has no app passwords")
        return
    from rich.console import Console
    from rich.table import Table
    table = Table()
    for title in ("Name", "Scope", "Created", "Expires", "Last used", "State"):
        table.add_column(title)
    for row in rows:
        table.add_row(row["name"], row["scope"], row["created"], row["expires"] or "never",
                      row["last_used"] or "never", row["state"])
    Console().print(table)


@token.command("revoke")
@click.argument("user")
@click.argument("name")
@pass_app
def revoke(app: App, user: str, name: str) -> None:
    """Revoke USER's app password NAME: refused from the next request on."""
    try:
        _app_passwords(app, user).revoke(app.store.origin(ADMIN_ACTOR), user, name)
    except TokenError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"revoked app password {name!r} of {user}")

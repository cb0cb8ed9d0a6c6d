"""``cms-dav user add|passwd|remove|list``: manage the bcrypt users file.

Passwords are asked twice on a terminal or read from one stdin line (``--password-stdin``);
no command ever prints a hash.
"""

from __future__ import annotations

import sys

import click

from cms_dav.auth import AuthError, HtpasswdFile, check_password, check_user_name
from cms_dav.cli.common import CliError, emit_json, pass_settings, read_password
from cms_dav.config import Settings


def _users(settings: Settings) -> HtpasswdFile:
    return HtpasswdFile(settings.htpasswd_file)


def _new_password(password_stdin: bool) -> str:
    password = read_password(password_stdin)
    try:
        return check_password(password)
    except AuthError as exc:
        raise CliError(str(exc)) from None


@click.group("user")
def user() -> None:
    """Manage the users who can log in."""


@user.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from one stdin line.")
@pass_settings
def add(settings: Settings, name: str, password_stdin: bool) -> None:
    """Create a login NAME."""
    users = _users(settings)
    try:
        check_user_name(name)
        if users.exists(name):
            raise CliError(f"user {name!r} already exists")
        users.add(name, _new_password(password_stdin))
    except AuthError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"added user {name}")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from one stdin line.")
@pass_settings
def passwd(settings: Settings, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME."""
    users = _users(settings)
    if not users.exists(name):
        raise CliError(f"user {name!r} does not exist")
    try:
        users.set_password(name, _new_password(password_stdin))
    except AuthError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"changed the password of {name}")


@user.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
def remove(settings: Settings, name: str, yes: bool) -> None:
    """Remove the login NAME (the user's address books and calendars are kept)."""
    users = _users(settings)
    if not users.exists(name):
        raise CliError(f"user {name!r} does not exist")
    if not yes:
        if not sys.stdin.isatty():
            raise CliError("no terminal to confirm on: use --yes")
        click.confirm(f"Remove the login of {name}?", abort=True)
    try:
        users.remove(name)
    except AuthError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"removed user {name} (their data is kept)")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def list_users(settings: Settings, as_json: bool) -> None:
    """List the user names, one per line."""
    names = _users(settings).names()
    if as_json:
        emit_json([{"name": name} for name in names])
        return
    for name in names:
        click.echo(name)

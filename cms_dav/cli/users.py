"""``cms-dav user add|passwd|remove|list|show|unlock``: logins and their lockouts.

The logins are in the users file, or in the database's ``users`` table (``[auth] users``;
on PostgreSQL by default), where a change counts on every node at once. Passwords are
asked twice on a terminal or read from one stdin line (``--password-stdin``); no command
ever prints a hash. Every change is recorded in the audit trail.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

import click

from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.auth import AuthError, admin, check_password, check_user_name
from cms_dav.auth.directory import UserDirectory
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.cli.common import (CliError, emit_json, pass_app, pass_settings, read_password,
                                services)
from cms_dav.config import Settings
from cms_dav.auth.addresses import set_emails

if TYPE_CHECKING:
    from cms_dav.app import App
    from cms_dav.store.store import Store


def _users(settings: Settings) -> UserDirectory:
    """The users file (changed even when the database is down; the audit then warns),
    or the App's users table."""
    if settings.users_in_database:
        return services().app.authenticator.users
    return HtpasswdFile(settings.htpasswd_file)


def _store() -> Store:
    """The App's store, built when the audit row is written (not before the change)."""
    return services().app.store


def _new_password(password_stdin: bool) -> str:
    password = read_password(password_stdin)
    try:
        return check_password(password)
    except AuthError as exc:
        raise CliError(str(exc)) from None


def _run(change: Callable[..., None], *args: Any) -> None:
    try:
        change(*args)
    except AuthError as exc:
        raise CliError(str(exc)) from None
    except admin.AuditNotRecorded as exc:
        click.echo(f"warning: {exc}", err=True)


@click.group("user")
def user() -> None:
    """Manage the users who can log in."""


@user.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from one stdin line.")
@pass_settings
def add(settings: Settings, name: str, password_stdin: bool) -> None:
    """Create a login NAME."""
    try:
        check_user_name(name)
    except AuthError as exc:
        raise CliError(str(exc)) from None
    users = _users(settings)
    if users.exists(name):
        raise CliError(f"user {name!r} already exists")
    _run(admin.add_user, users, _store, ADMIN_ACTOR, name, _new_password(password_stdin))
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
    _run(admin.set_password, users, _store, ADMIN_ACTOR, name, _new_password(password_stdin))
    click.echo(f"changed the password of {name}")


@user.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
def remove(settings: Settings, name: str, yes: bool) -> None:
    """Remove the login NAME, every share to or from NAME, NAME's collections (into the
    trash) and NAME's groups and grants: a new NAME starts with nothing."""
    users = _users(settings)
    if not users.exists(name):
        raise CliError(f"user {name!r} does not exist")
    if not yes:
        if not sys.stdin.isatty():
            raise CliError("no terminal to confirm on: use --yes")
        click.confirm(f"Remove {name}, their shares and their collections?", abort=True)
    _run(admin.remove_user, users, _store, ADMIN_ACTOR, name)
    from cms_dav.acl.forget_user import forget_user
    app = services().app
    done = forget_user(app.store, app.policy, ADMIN_ACTOR, name)
    extra = f"; rights file: {', '.join(done.rights_entries)}" if done.rights_entries else ""
    click.echo(f"removed user {name}: {done.shares} share(s) deleted, "
               f"{done.collections} collection(s) moved to the trash{extra}")


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


@user.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def show(app: App, name: str, as_json: bool) -> None:
    """Show NAME's groups, collections, lockouts and recent failed logins."""
    if not app.authenticator.users.exists(name):
        raise CliError(f"user {name!r} does not exist")
    state = admin.login_state(app.store, app.policy, app.authenticator.throttle, name)
    if as_json:
        emit_json(state)
        return
    click.echo(f"user:        {name}")
    click.echo(f"groups:      {', '.join(state['groups']) or '-'}")
    click.echo(f"collections: {state['collections']}")
    if state["account_locked_seconds"]:
        click.echo(f"account:     LOCKED for {state['account_locked_seconds']} more seconds "
                   f"({state['account_failures']} failed logins)")
    else:
        click.echo(f"account:     not locked ({state['account_failures']} recent failed logins)")
    if not state["networks"]:
        click.echo("failed logins: none recent")
    for net in state["networks"]:
        lock = (f", LOCKED for {net['locked_seconds']} more seconds"
                if net["locked_seconds"] else "")
        click.echo(f"failed logins from {net['address']}: {net['failures']} "
                   f"(last {net['last_failure']}){lock}")


@user.command("unlock")
@click.argument("name")
@click.option("--address", default=None,
              help="Only lift the lockout of NAME from this address's network.")
@pass_app
def unlock(app: App, name: str, address: str | None) -> None:
    """Lift NAME's lockouts and forget its failed logins (recorded in the audit trail)."""
    cleared = admin.unlock(app.store, ADMIN_ACTOR, name, address)
    where = f" from {address}" if address else ""
    if cleared:
        click.echo(f"unlocked {name}{where} ({cleared} failure counter(s) cleared)")
    else:
        click.echo(f"{name}{where} had no lockout or recent failed login")


ON_OFF = click.Choice(["on", "off"], case_sensitive=False)


@user.command("set")
@click.argument("name")
@click.option("--birthdays", type=ON_OFF, default=None,
              help="NAME's read-only birthday calendar /NAME/birthdays/.")
@click.option("--follow-ups", "follow_ups", type=ON_OFF, default=None,
              help="NAME's read-only follow-up task list /NAME/follow-ups/.")
@click.option("--email", "emails", multiple=True,
              help="NAME's e-mail address (repeat for several; replaces the ones set "
                   "before): principal search finds NAME by it.")
@pass_app
def set_preferences(app: App, name: str, birthdays: str | None,
                    follow_ups: str | None, emails: tuple[str, ...]) -> None:
    """Turn NAME's generated calendars on or off (default: the config's [birthdays] /
    [follow_ups] enabled), set NAME's e-mail addresses; clients see the change on
    their next sync."""
    if not app.authenticator.users.exists(name):
        raise CliError(f"user {name!r} does not exist")
    chosen = {"birthdays": birthdays, "follow-ups": follow_ups}
    if not any(chosen.values()) and not emails:
        raise CliError("nothing to set: give --birthdays on|off, --follow-ups on|off "
                       "and/or --email ADDRESS")
    if emails:
        try:
            set_emails(app.store, name, emails, ADMIN_ACTOR)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        click.echo(f"e-mail addresses of {name}: {', '.join(emails)}")
    for kind, value in chosen.items():
        if value is None:
            continue
        if kind not in app.calendars.kinds:
            raise CliError(f"this server has no {kind} calendar")
        app.calendars.choose(name, kind, value.lower() == "on", ADMIN_ACTOR)
        click.echo(f"{kind} calendar of {name}: {value.lower()}")

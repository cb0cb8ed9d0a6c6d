"""``cms-dav trash list|restore|purge``: deleted contacts, events and collections."""

from __future__ import annotations

import datetime as dt

from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.acl import access
from cms_dav.io.trash import TrashEntry, TrashError, find, list_trash, purge, restore

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.app import App


@click.group("trash")
def trash() -> None:
    """Deleted items and collections, recoverable for [trash] days (default 30)."""


def _visible(policy: Policy, user: str | None, entry: TrashEntry, need: str) -> bool:
    if not user or entry.owner == user:
        return True
    try:
        access.require(policy, user, entry.path, need)
    except access.AccessDenied:
        return False
    return True


@trash.command("list")
@click.option("--user", default=None, help="Only what this user may see.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_entries(app: App, user: str | None, as_json: bool) -> None:
    """List the trash, newest first."""
    entries = [e for e in list_trash(app.store) if _visible(app.policy, user, e, "r")]
    if as_json:
        emit_json([e.as_dict() for e in entries])
        return
    if not entries:
        click.echo("the trash is empty")
    for e in entries:
        when = dt.datetime.fromtimestamp(e.deleted_at).strftime("%Y-%m-%d %H:%M")
        what = f"/{e.path}/{e.href}" if e.kind == "item" else \
            f"/{e.path}/ (collection, {e.items} item(s))"
        click.echo(f"{e.id}\t{when}\t{e.actor or '-'}\t{what}")


@trash.command("restore")
@click.argument("entry_id", metavar="ID")
@click.option("--user", default=None, help="Act as this user (checked against the ACL).")
@pass_app
def restore_entry(app: App, entry_id: str, user: str | None) -> None:
    """Put the trashed item or collection ID back where it was."""
    store = app.store
    try:
        entry = find(store, entry_id)
        if not _visible(app.policy, user, entry, "w"):
            raise TrashError(f"user {user!r} may not restore {entry_id}")
        restore(store, entry_id, access.actor_name(user))
    except (TrashError, ValueError) as exc:
        raise CliError(str(exc)) from None
    click.echo(f"restored /{entry.path}/{entry.href}")


@trash.command("purge")
@click.option("--older-than", "days", type=click.FloatRange(min=0), default=None,
              help="Days (default: [trash] days from the configuration).")
@pass_app
def purge_entries(app: App, days: float | None) -> None:
    """Forget trashed things deleted more than DAYS ago."""
    days = app.settings.trash_days if days is None else days
    items, folders = purge(app.store, days, access.ADMIN_ACTOR)
    click.echo(f"purged {items} item(s) and {folders} collection(s) older than {days:g} day(s)")

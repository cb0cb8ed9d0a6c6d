"""``cms-dav group ...``: groups and group-owned collections (kept in the rights file)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

import click

from cms_dav.acl import admin
from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.cli.common import CliError, emit_json, pass_app

if TYPE_CHECKING:
    from cms_dav.app import App


T = TypeVar("T")


def _run(action: Callable[..., T], *args: object) -> T:
    try:
        return action(*args)
    except admin.AclError as exc:
        raise CliError(str(exc)) from None


@click.group("group")
def group() -> None:
    """Manage groups, their members and their collections."""


@group.command("add")
@click.argument("name")
@pass_app
def add(app: App, name: str) -> None:
    """Create the group NAME."""
    _run(admin.group_add, app.store, app.policy, ADMIN_ACTOR, name)
    click.echo(f"added group {name}")


@group.command("remove")
@click.argument("name")
@pass_app
def remove(app: App, name: str) -> None:
    """Delete the group NAME (its collections stay in /groups/NAME/)."""
    _run(admin.group_remove, app.store, app.policy, ADMIN_ACTOR, name)
    click.echo(f"removed group {name}")


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_groups(app: App, as_json: bool) -> None:
    """List the groups and how many members each has."""
    groups = admin.groups(app.policy)
    if as_json:
        emit_json([{"group": name, "members": members} for name, members in groups.items()])
        return
    for name, members in groups.items():
        click.echo(f"{name}\t{len(members)} member(s)")


@group.command("members")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def members(app: App, name: str, as_json: bool) -> None:
    """List the members of NAME."""
    groups = admin.groups(app.policy)
    if name not in groups:
        raise CliError(f"group {name!r} does not exist")
    if as_json:
        emit_json(groups[name])
        return
    for member in groups[name]:
        click.echo(member)


@group.command("add-member")
@click.argument("name")
@click.argument("user")
@pass_app
def add_member(app: App, name: str, user: str) -> None:
    """Put USER into the group NAME."""
    _run(admin.member_add, app.store, app.policy, ADMIN_ACTOR, name, user)
    click.echo(f"added {user} to {name}")


@group.command("remove-member")
@click.argument("name")
@click.argument("user")
@pass_app
def remove_member(app: App, name: str, user: str) -> None:
    """Take USER out of the group NAME."""
    _run(admin.member_remove, app.store, app.policy, ADMIN_ACTOR, name, user)
    click.echo(f"removed {user} from {name}")


@group.group("collection")
def collection() -> None:
    """Collections owned by a group (/groups/GROUP/NAME/)."""


@collection.command("add")
@click.argument("group_name", metavar="GROUP")
@click.argument("name")
@click.option("--type", "kind", type=click.Choice(sorted(admin.COLLECTION_TAGS)),
              required=True, help="addressbook or calendar")
@click.option("--displayname", default=None, help="Name shown in clients (default NAME).")
@pass_app
def collection_add(app: App, group_name: str, name: str, kind: str,
                   displayname: str | None) -> None:
    """Create a group address book or calendar; every member can read and write it."""
    path = _run(admin.group_collection_add, app.store, app.policy, ADMIN_ACTOR, group_name, name,
                kind, displayname)
    click.echo(f"created {path}")

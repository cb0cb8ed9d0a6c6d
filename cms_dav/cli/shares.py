"""``cms-dav share grant|revoke|list``: who may reach which collection, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cms_dav.acl import admin
from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.acl.rules import ACCESS_LEVELS
from cms_dav.cli.common import CliError, emit_json, pass_app

if TYPE_CHECKING:
    from cms_dav.app import App


@click.group("share")
def share() -> None:
    """Share collections with users and groups."""


@share.command("grant")
@click.argument("path")
@click.option("--to", "to", required=True, help="user:NAME or group:NAME")
@click.option("--access", type=click.Choice(ACCESS_LEVELS), default="read", show_default=True)
@pass_app
def grant(app: App, path: str, to: str, access: str) -> None:
    """Give a user or group access to PATH; it appears in their home."""
    try:
        where = admin.share_grant(app.store, app.policy, ADMIN_ACTOR, path, to, access)
    except admin.AclError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"granted {access} on {path} to {to} ({where})")


@share.command("revoke")
@click.argument("path")
@click.option("--to", "to", required=True, help="user:NAME or group:NAME")
@pass_app
def revoke(app: App, path: str, to: str) -> None:
    """Take back every share and grant of PATH to a user or group."""
    try:
        removed = admin.share_revoke(app.store, app.policy, ADMIN_ACTOR, path, to)
    except admin.AclError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"revoked {', '.join(removed)} on {path} from {to}")


@share.command("list")
@click.option("--user", "user", default=None, help="List what this user can reach.")
@click.option("--owner", "owner", default=None,
              help="List every share and link of this user's collections, whoever made it.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_shares(app: App, user: str | None, owner: str | None,
                as_json: bool) -> None:
    """Every collection USER can reach, the access and where the right comes from;
    without --user, every share, link and grant (of OWNER's collections with --owner)."""
    if user is None:
        everything = admin.all_shares(app.store, app.policy, owner)
        if as_json:
            emit_json(everything)
            return
        for row in everything:
            click.echo(f"{row['path']}\t{row['to']}\t"
                       f"{row['access']}\t{row['source']} by {row['by']}")
        return
    rows = admin.reachable(app.store, app.policy, user)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['path']}\t{row['access']}\t{'; '.join(row['sources'])}")

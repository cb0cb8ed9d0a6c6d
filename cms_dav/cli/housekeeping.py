"""``cms-dav housekeeping``: one run of the retention rules (for cron and
``systemd/cms-dav-housekeeping.timer`` where ``cms-dav serve`` does not run it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.cli.common import emit_json, pass_app
from cms_dav.housekeeping import rules_of, run_once

if TYPE_CHECKING:
    from cms_dav.app import App

_LABELS = {
    "history_versions": "earlier version(s) past [history] days/keep",
    "trash_items": "trashed item(s) past [trash] days",
    "trash_collections": "trashed collection(s) past [trash] days",
    "audit_entries": "audit entr(ies) past [audit] days",
    "sync_changes": "sync-log change(s) past [storage] sync_token_days",
    "sync_floors_moved": "collection(s) whose older sync tokens expired",
}


@click.command("housekeeping")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def housekeeping(app: App, as_json: bool) -> None:
    """Purge the trash and prune history, audit trail and sync log per their retention."""
    outcome = run_once(app.engine, rules_of(app.settings), ADMIN_ACTOR)
    if as_json:
        emit_json(outcome.as_dict())
        return
    if not outcome.ran:
        click.echo("housekeeping is running on another process or node; skipped")
        return
    for key, count in outcome.removed.as_dict().items():
        click.echo(f"{count:>8}  {_LABELS[key]}")

"""``cms-dav webhook add|list|remove|enable|log``: signed HTTP callbacks on changes
(issue 15 item 4; see :mod:`cms_dav.webhooks`)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.webhooks import admin, endpoints

if TYPE_CHECKING:
    from cms_dav.app import App

#: most attempts ``webhook log`` shows
MAX_LOG = 10_000


def _when(at: float | None) -> str:
    if at is None:
        return "-"
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


@click.group("webhook")
def webhook() -> None:
    """Signed HTTP callbacks when contacts change."""


@webhook.command("add")
@click.argument("url")
@click.option("--events", required=True,
              help="Comma-separated: contact.created, contact.updated, contact.deleted, "
                   "interaction.added, object.changed, collection.changed.")
@click.option("--collection", default="", help="Only events of this collection "
              "(e.g. alice/contacts).")
@click.option("--owner", default="", help="The user whose rights bound the events "
              "(default: the local admin, every collection).")
@pass_app
def add(app: App, url: str, events: str, collection: str, owner: str) -> None:
    """Register URL; its signing secret is printed once."""
    try:
        done = admin.register(app.store, app.policy, app.authenticator.users.names(),
                              ADMIN_ACTOR, url, admin.parse_events(events), collection,
                              owner, app.settings.webhooks_allow_insecure_endpoints)
    except admin.WebhookError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"webhook {done.id} added; its secret (shown once, keep it safe):")
    click.echo(done.secret)


@webhook.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_endpoints(app: App, as_json: bool) -> None:
    """Every endpoint, whether it is enabled and why not (never the secret)."""
    found = endpoints.every(app.engine)
    if as_json:
        emit_json([endpoint.as_dict() for endpoint in found])
        return
    for endpoint in found:
        state = "enabled" if endpoint.enabled else (
            f"DISABLED {_when(endpoint.disabled_at)}: {endpoint.disabled_reason}")
        click.echo(f"{endpoint.id}  {endpoint.url}  events={','.join(endpoint.events)}  "
                   f"collection={endpoint.collection or '*'}  "
                   f"owner={endpoint.owner or ADMIN_ACTOR}  {state}")


@webhook.command("remove")
@click.argument("endpoint_id", type=int)
@pass_app
def remove(app: App, endpoint_id: int) -> None:
    """Remove an endpoint; its pending deliveries are dropped."""
    try:
        admin.remove(app.store, ADMIN_ACTOR, endpoint_id)
    except admin.WebhookError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"webhook {endpoint_id} removed")


@webhook.command("enable")
@click.argument("endpoint_id", type=int)
@pass_app
def enable(app: App, endpoint_id: int) -> None:
    """Enable a disabled endpoint again (for events from now on)."""
    try:
        admin.enable(app.store, ADMIN_ACTOR, endpoint_id)
    except admin.WebhookError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"webhook {endpoint_id} enabled")


@webhook.command("log")
@click.argument("endpoint_id", type=int, required=False)
@click.option("--limit", type=click.IntRange(1, MAX_LOG), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def show_log(app: App, endpoint_id: int | None, limit: int, as_json: bool) -> None:
    """The newest delivery attempts (of one endpoint): status, error, duration."""
    if endpoint_id is not None:
        try:
            admin.require(app.engine, endpoint_id)
        except admin.WebhookError as exc:
            raise CliError(str(exc)) from None
    found = endpoints.attempts(app.engine, endpoint_id, limit)
    if as_json:
        emit_json([attempt.as_dict() for attempt in found])
        return
    for attempt in found:
        click.echo(f"{_when(attempt.at)}  webhook {attempt.endpoint_id}  event "
                   f"{attempt.event_id} {attempt.event_kind}  try {attempt.attempt}  "
                   f"{attempt.result}  status={attempt.status or '-'}  "
                   f"{attempt.duration_ms:.0f} ms  {attempt.error}")

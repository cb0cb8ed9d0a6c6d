"""``cms-dav segment ...``: smart address books, saved filters published read-only in the
owner's home (issue 14 item 3, :mod:`cms_dav.contacts.segments`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cms_dav.acl.access import ADMIN_ACTOR
from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.cli.search import parse_age
from cms_dav.contacts.errors import ContactError
from cms_dav.store.segment_table import SegmentRecord

if TYPE_CHECKING:
    from cms_dav.app import App


@click.group("segment")
def segment() -> None:
    """Smart address books: saved filters each viewer syncs as a read-only book."""


@segment.command("add")
@click.argument("name")
@click.option("--owner", required=True, metavar="user:NAME|group:NAME",
              help="Whose home shows it (a group: every member's home).")
@click.option("--from", "sources", multiple=True, required=True, metavar="BOOK",
              help="A source address book, e.g. /alice/contacts/ (repeatable).")
@click.option("--where", "conditions", multiple=True, metavar="COND",
              help="A custom field condition as in `search` (repeatable; all must hold).")
@click.option("--category", default=None, help="Only people in this category or group.")
@click.option("--city", default=None, help="Only people with an address in this city.")
@click.option("--not-contacted-since", "since", default=None, metavar="AGE",
              help="Only people without an interaction in this period, e.g. 30d.")
@pass_app
def add(app: App, name: str, owner: str, sources: tuple[str, ...], conditions: tuple[str, ...],
        category: str | None, city: str | None, since: str | None) -> None:
    """Save the segment NAME (replacing one of that name)."""
    filters: dict[str, object] = {"where": list(conditions)}
    if category:
        filters["category"] = category
    if city:
        filters["city"] = city
    if since:
        filters["since"] = since
        filters["since_seconds"] = parse_age(since)
    record = SegmentRecord(name=name, owner=owner,
                           sources=tuple(dict.fromkeys(s.strip("/") for s in sources)),
                           filters=filters)
    try:
        app.segments.define(record, ADMIN_ACTOR)
    except ContactError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"saved segment {name} for {owner}")


def _as_dict(app: App, record: SegmentRecord) -> dict[str, object]:
    filters = {k: v for k, v in record.filters.items() if k != "since_seconds"}
    return {"name": record.name, "owner": record.owner,
            "sources": [f"/{s}/" for s in record.sources], "filters": filters,
            "books": [f"/{viewer}/{record.name}/" for viewer in app.segments.viewers(record)]}


@segment.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_segments(app: App, as_json: bool) -> None:
    """List the saved segments."""
    found = [_as_dict(app, record) for record in app.store.segments()]
    if as_json:
        emit_json(found)
        return
    if not found:
        click.echo("no segments")
    for record in app.store.segments():
        sources = " ".join(f"/{s}/" for s in record.sources)
        click.echo(f"{record.name}\t{record.owner}\t{sources}")


@segment.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def show(app: App, name: str, as_json: bool) -> None:
    """Show one segment: owner, sources, filter and where it is published."""
    record = app.store.segment(name)
    if record is None:
        raise CliError(f"no segment {name!r}")
    row = _as_dict(app, record)
    if as_json:
        emit_json(row)
        return
    for key, value in row.items():
        click.echo(f"{key}: {value}")


@segment.command("remove")
@click.argument("name")
@pass_app
def remove(app: App, name: str) -> None:
    """Forget the segment NAME and drop its published books (source books untouched)."""
    try:
        dropped = app.segments.remove(name, ADMIN_ACTOR)
    except ContactError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"removed segment {name} ({dropped} published book(s) dropped)")

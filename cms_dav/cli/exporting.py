"""``cms-dav export``: an address book or calendar to a file or standard output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, pass_app
from cms_dav.acl import access
from cms_dav.cli.search import parse_age
from cms_dav.contacts.condition_query import matching_hrefs
from cms_dav.contacts.conditions import parse_conditions
from cms_dav.contacts.field_ops import fields_for_book
from cms_dav.contacts.query import Book
from cms_dav.io.collection_export import EXPORT_FORMATS, ExportError, export_collection

if TYPE_CHECKING:
    from cms_dav.app import App


@click.command("export")
@click.argument("collection")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--category", default=None, help="Only contacts in this category.")
@click.option("--search", default=None, help="Only contacts matching this search.")
@click.option("--where", "conditions", multiple=True, metavar="COND",
              help="A custom field condition, e.g. 'spend>=50000' (repeatable).")
@click.option("--city", default=None, help="Only contacts with an address in this city.")
@click.option("--not-contacted-since", "since", default=None, metavar="AGE",
              help="Only contacts without an interaction in this period, e.g. 30d.")
@click.option("--user", default=None, help="Act as this user (checked against the ACL).")
@pass_app
def export(app: App, collection: str, fmt: str, output: Path | None,
           category: str | None, search: str | None, conditions: tuple[str, ...],
           city: str | None, since: str | None, user: str | None) -> None:
    """Export COLLECTION (e.g. /alice/contacts/) as vcf, csv, xlsx or ics."""
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise CliError("xlsx is binary: use --output FILE or redirect standard output")
    try:
        access.require(app.policy, user, collection, "r")
        keys = fields_for_book(app.fields.fields(), app.policy, collection).keys()
        only = _filtered(app, collection, conditions, city, since)
        data = export_collection(app.store, collection, fmt, category=category,
                                 search=search, default_region=app.settings.default_region,
                                 fields=keys, only=only)
    except (access.AccessDenied, ValueError) as exc:
        raise CliError(str(exc)) from None
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)


def _filtered(app: App, collection: str, conditions: tuple[str, ...], city: str | None,
              since: str | None) -> set[str] | None:
    """The hrefs the typed filters keep (answered from the index), or None (no filter)."""
    if not conditions and city is None and since is None:
        return None
    age = parse_age(since) if since is not None else None
    bound = parse_conditions(conditions, app.fields.fields())
    path = collection.strip("/")
    record = app.store.collection(path)
    if record is None:
        raise ExportError(f"no collection /{path}/")
    with app.store.reading() as conn:
        return matching_hrefs(conn, Book(record.id, path), bound, city=city,
                              not_contacted_for=age)

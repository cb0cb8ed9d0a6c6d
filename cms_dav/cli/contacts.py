"""``cms-dav contacts list|set`` and ``cms-dav reindex``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, pass_app, pass_reader
from cms_dav.contacts import notes as note_ops
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_ops import set_contact_fields
from cms_dav.cli.search import print_contacts
from cms_dav.contacts.query import address_books, list_contacts
from cms_dav.store import paths

if TYPE_CHECKING:
    from cms_dav.app import App, Reader


@click.group("contacts")
def contacts() -> None:
    """Contacts as the contact manager sees them (categories, groups)."""


@contacts.command("list")
@click.argument("path", required=False)
@click.option("--user", default=None, help="Act as this user: their readable address books.")
@click.option("--category", default=None, help="Only people in this category or group.")
@click.option("--group", default=None, help="Only members of this group (same as a category).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_reader
def list_command(reader: Reader, path: str | None, user: str | None, category: str | None,
                 group: str | None, as_json: bool) -> None:
    """People in address book PATH, or in every book --user may read."""
    if path is None and user is None:
        raise CliError("give an address book PATH or --user NAME")
    with reader.reading() as conn:
        books = address_books(conn, reader.policy, user)
        if path is not None:
            wanted = paths.strip(path)
            if not any(b.path == wanted for b in address_books(conn, reader.policy, None)):
                raise CliError(f"no address book /{wanted}/")
            books = [b for b in books if b.path == wanted]
            if not books:
                raise CliError(f"user {user!r} may not read /{wanted}/")
        found = list_contacts(conn, books, category=category, group=group)
    print_contacts(found, as_json, with_score=False)


@contacts.command("set")
@click.argument("contact")
@click.option("--field", "assignments", multiple=True, metavar="KEY=VALUE",
              help="A custom field value (repeatable); KEY= clears the field.")
@click.option("--user", default=None, help="Act as this user (books they may write).")
@pass_app
def set_command(app: App, contact: str, assignments: tuple[str, ...],
                user: str | None) -> None:
    """Set custom fields of CONTACT (UID, e-mail, phone or unique name).

    Every value is checked against its field (type, choices, scope) first; one bad
    value writes nothing."""
    try:
        found, values = set_contact_fields(app.store, app.policy, app.fields.fields(),
                                           app.settings.default_region, user, contact,
                                           list(assignments))
    except ContactError as exc:
        if isinstance(exc, note_ops.AmbiguousContact):
            for c in exc.candidates:
                click.echo(f"  {c.fn} <{', '.join(c.emails)}> uid={c.uid} /{c.book}/{c.href}",
                           err=True)
        raise CliError(str(exc)) from None
    shown = ", ".join(f"{k}={v}" if v else f"{k} cleared" for k, v in values.items())
    click.echo(f"set {shown} on {found.fn} (/{found.book}/{found.href})")


@click.command("reindex")
@click.argument("path", required=False, default="")
@pass_app
def reindex(app: App, path: str) -> None:
    """Rebuild the contact search index and the calendars' occurrence index (all
    address books and calendars, or those under PATH)."""
    from cms_dav.calendars.occurrences import OccurrenceHook
    from cms_dav.calendars.occurrences import reindex as rebuild_occurrences
    from cms_dav.contacts.index_hook import reindex as rebuild
    count = rebuild(app.store, app.settings.default_region, path.strip("/"))
    app.segments.rebuild_all_on_next_read()  # their membership is read from the index
    click.echo(f"indexed {count} card(s)")
    days = app.settings.occurrence_horizon_days
    if days:
        events = rebuild_occurrences(app.store, OccurrenceHook(days), path.strip("/"))
        click.echo(f"indexed the occurrences of {events} calendar object(s)")

"""``cms-dav search``: find people across every address book a user may read."""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING, Sequence

import click

from cms_dav.cli.common import CliError, emit_json, pass_reader
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.contact_search import SearchRequest, search_contacts
from cms_dav.contacts.query import Contact

if TYPE_CHECKING:
    from cms_dav.app import Reader

_AGE = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "": 86400}


def parse_age(text: str) -> float:
    """"30d", "12h", "2w" (a bare number means days) -> seconds."""
    match = _AGE.match(text)
    if not match:
        raise CliError(f"--not-contacted-since {text!r}: expected a number with s/m/h/d/w, "
                       "e.g. 30d")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]


def print_contacts(contacts: Sequence[Contact], as_json: bool, with_score: bool) -> None:
    """JSON for scripts, a table for people (shared by search and contacts list)."""
    if as_json:
        rows = [c.as_dict() for c in contacts]
        if not with_score:
            for row in rows:
                row.pop("score")
        emit_json(rows)
        return
    if not contacts:
        click.echo("no contacts found")
        return
    from rich.console import Console
    from rich.table import Table
    table = Table()
    for title in ["Name", "Organisation", "E-mail", "Phone", "Address book"] + (
            ["Score"] if with_score else []):
        table.add_column(title)
    for c in contacts:
        cells = [c.fn, c.org, "\n".join(c.emails), "\n".join(c.phones), f"/{c.book}/{c.href}"]
        table.add_row(*cells, *([f"{c.score:.1f}"] if with_score else []))
    Console(width=max(120, shutil.get_terminal_size().columns)).print(table)


@click.command("search")
@click.argument("query", required=False)
@click.option("--user", default=None, help="Search as this user (default: local admin, all books).")
@click.option("--where", "conditions", multiple=True, metavar="COND",
              help="A custom field condition, e.g. 'spend>=50000', 'level=A', "
                   "'industry in (Manufacturing,Retail)' (repeatable; all must hold).")
@click.option("--category", default=None, help="Only people in this category or group.")
@click.option("--city", default=None, help="Only people with an address in this city.")
@click.option("--org", default=None, help="Only people whose organisation contains this.")
@click.option("--not-contacted-since", "since", default=None, metavar="AGE",
              help="Only people without an interaction in this period, e.g. 30d.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_reader
def search(reader: Reader, query: str | None, user: str | None, conditions: tuple[str, ...],
           category: str | None, city: str | None, org: str | None, since: str | None,
           limit: int, as_json: bool) -> None:
    """Find contacts by name (accents, pinyin), e-mail, phone, organisation, category...

    Without QUERY, lists the people meeting the filters (--where, --city, ...), by name."""
    age = parse_age(since) if since is not None else None
    request = SearchRequest(query=query, conditions=conditions, category=category, city=city,
                            org=org, not_contacted_for=age, limit=limit)
    if request.empty:
        raise CliError("give a QUERY or a filter (--where, --category, --city, --org, "
                       "--not-contacted-since)")
    try:
        with reader.reading() as conn:
            found = search_contacts(conn, reader.policy, reader.fields.fields(),
                                    reader.settings.default_region, user, request)
    except ContactError as exc:
        raise CliError(str(exc)) from None
    print_contacts(found, as_json, with_score=query is not None)

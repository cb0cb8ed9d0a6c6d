"""``cms-dav report``: the contacts report a manager reads (table, CSV, JSON or HTML)."""

from __future__ import annotations

import codecs
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, pass_app
from cms_dav.reports.build import Options, build_report
from cms_dav.reports.render_csv import render_csv
from cms_dav.reports.render_html import render_html
from cms_dav.reports.render_json import render_json
from cms_dav.reports.render_text import render_text
from cms_dav.reports.scope import ScopeError

if TYPE_CHECKING:
    from cms_dav.app import App

_RENDERERS = {"table": render_text, "csv": render_csv, "json": render_json, "html": render_html}


def _today(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--today {text!r}: expected a date such as 2026-12-01") from None


@click.command("report")
@click.argument("addressbooks", nargs=-1)
@click.option("--all", "all_books", is_flag=True,
              help="Every address book the user may read (the default without ADDRESSBOOK).")
@click.option("--user", default=None,
              help="Report as this user: only books they may read (default: local admin, "
                   "every book).")
@click.option("--format", "fmt", type=click.Choice(tuple(_RENDERERS)), default="table",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--days", type=click.IntRange(min=1, max=36500), default=90, show_default=True,
              help='"Not contacted in N days".')
@click.option("--ahead", type=click.IntRange(min=0, max=366), default=30, show_default=True,
              help="Birthdays and follow-ups due in the next N days.")
@click.option("--limit", type=click.IntRange(min=1, max=100000), default=500,
              show_default=True, help="Rows per list or ranking (totals always count all).")
@click.option("--today", "today", default=None, metavar="YYYY-MM-DD",
              help="Report as of this day (default: today, UTC).")
@pass_app
def report(app: App, addressbooks: tuple[str, ...], all_books: bool, user: str | None,
           fmt: str, output: Path | None, days: int, ahead: int, limit: int,
           today: str | None) -> None:
    """Counts, activity, gaps, due dates and data quality of ADDRESSBOOK... (e.g.
    /alice/contacts/) or of every address book the user may read."""
    if all_books and addressbooks:
        raise CliError("name address books or give --all, not both")
    options = Options(books=addressbooks, user=user, days=days, ahead=ahead, limit=limit,
                      today=_today(today))
    try:
        text = _RENDERERS[fmt](build_report(app, options))
    except ScopeError as exc:
        raise CliError(str(exc)) from None
    data = text.encode("utf-8")
    if fmt == "csv":  # as `cms-dav export`: Excel needs the BOM to show 张伟 and Łódź
        data = codecs.BOM_UTF8 + data
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {len(data)} bytes to {output}", err=True)

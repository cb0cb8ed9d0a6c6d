"""``cms-dav import`` and ``cms-dav import-radicale``: data into the store."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cms_dav.cli.bulk_collector import no_full_collections
from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.acl import access
from cms_dav.contacts.field_ops import fields_for_book
from cms_dav.io.import_sources import (FORMATS, SourceError, detect_format,
                                       expected_count, read_source)
from cms_dav.io.importer import ImportReport, ImportTargetError, import_source
from cms_dav.io.read_ahead import Workers, default_workers
from cms_dav.io.table_fields import TableError, load_mapping

if TYPE_CHECKING:
    from cms_dav.app import App

PROGRESS_THRESHOLD = 200  # objects; smaller files finish before a bar is useful


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "into", required=True,
              help="Address book or calendar, e.g. /alice/contacts/.")
@click.option("--user", default=None, help="Act as this user (checked against the ACL).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option("--preset", type=click.Choice(["google", "outlook", "plain"]), default=None,
              help="Header preset for CSV/xlsx (default: detected).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Column mapping file (TOML or JSON: header = field).")
@click.option("--dry-run", is_flag=True, help="Report what would happen; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes that read a contact file's rows ahead of the writes "
                   "(default: none below 2,000 rows, else one less than the CPUs, "
                   "at most 4).")
@pass_app
def import_file(app: App, file: Path, into: str, user: str | None, fmt: str,
                preset: str | None, mapping: Path | None, dry_run: bool, as_json: bool,
                workers: int | None) -> None:
    """Import contacts (vcf, csv, xlsx) or events (ics) from FILE."""
    path, settings = into.strip("/"), app.settings
    try:
        access.require(app.policy, user, path, "w")
        fields = fields_for_book(app.fields.fields(), app.policy, path)
        columns = load_mapping(mapping.read_bytes(), mapping.name, fields) if mapping else None
        data = file.read_bytes()
        # the workers start while the file is read (their start-up beside that work);
        # what the import reads and writes lives until its end: no full collections
        with _early_workers(data, fmt, file.name, workers) as started, \
                no_full_collections():
            source = read_source(data, fmt, filename=file.name, preset=preset,
                                 mapping=columns, default_region=settings.default_region,
                                 fields=fields)
            wanted = default_workers(len(source.candidates)) if workers is None else workers
            if started.count != wanted:  # the estimate was wrong: as many as the rows say
                started.close(wait=False)
            with _progress(len(source.candidates)) as advance:
                report = import_source(app.store, path, source,
                                       actor=access.actor_name(user), dry_run=dry_run,
                                       default_region=settings.default_region,
                                       progress=advance,
                                       workers=started if started.pool else wanted)
    except (access.AccessDenied, SourceError, TableError, ImportTargetError) as exc:
        raise CliError(f"{file.name}: {exc}") from None
    if as_json:
        emit_json(report.as_dict())
    else:
        _print_report(report)


def _early_workers(data: bytes, fmt: str, filename: str, workers: int | None) -> Workers:
    """The read-ahead workers of an import of ``data``, started before it is read: as
    many as ``--workers`` says, else as the rows it probably holds call for
    (:func:`expected_count`); none for a calendar file or an xlsx one (the import then
    starts its own once the rows are counted)."""
    found = detect_format(filename, data) if fmt == "auto" else fmt
    if found not in ("csv", "vcf", "xlsx"):
        return Workers(0)
    return Workers(default_workers(expected_count(data, found)) if workers is None
                   else workers)


def _print_report(report: ImportReport) -> None:
    prefix = "dry run, nothing stored: would have " if report.dry_run else ""
    click.echo(f"{prefix}created {report.created}, updated {report.updated}, "
               f"unchanged {report.unchanged}, rejected {len(report.rejected)}")
    for rejected in report.rejected:
        click.echo(f"  rejected {rejected}")


def _progress(total: int) -> AbstractContextManager[Callable[[int], None] | None]:
    """A rich progress bar on a terminal for big files; a no-op otherwise."""
    if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        return nullcontext(None)
    from contextlib import contextmanager

    from rich.progress import Progress

    @contextmanager
    def bar() -> Iterator[Callable[[int], None]]:
        with Progress(transient=True) as progress:
            task = progress.add_task("importing", total=total)
            yield lambda step: progress.advance(task, step)

    return bar()


@click.command("import-radicale")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--users-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Also copy this htpasswd file (bcrypt) as the users file.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_app
def import_radicale(app: App, path: Path, users_file: Path | None,
                    as_json: bool) -> None:
    """Recreate a stock Radicale collection-root at PATH: same paths, UIDs and props.

    User passwords are not in collection-root: add users with `cms-dav user add`,
    or copy Radicale's bcrypt htpasswd file with --users-file.
    """
    import shutil

    from cms_dav.io.radicale_migration import MigrationError, migrate

    settings = app.settings
    if users_file is not None and settings.htpasswd_file.exists():
        raise CliError(f"the users file {settings.htpasswd_file} exists: not overwriting it")
    try:
        report = migrate(app.store, path, access.ADMIN_ACTOR)
    except MigrationError as exc:
        raise CliError(str(exc)) from None
    if users_file is not None:
        settings.htpasswd_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(users_file, settings.htpasswd_file)
        settings.htpasswd_file.chmod(0o600)
    if as_json:
        emit_json({"folders": report.folders, "collections": report.collections,
                   "items": report.items, "skipped": report.skipped,
                   "users_copied": users_file is not None})
        return
    click.echo(f"migrated {report.collections} collection(s) with {report.items} item(s) "
               f"and {report.folders} folder(s)")
    for line in report.skipped:
        click.echo(f"  skipped {line}")
    if users_file is None:
        click.echo("note: no passwords were migrated; add users with `cms-dav user add` "
                   "or pass --users-file")

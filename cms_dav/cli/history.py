"""``cms-dav history CONTACT | history show CONTACT VERSION | history restore CONTACT
VERSION``: a contact's stored versions (:mod:`cms_dav.contacts.versions`)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click

from cms_dav.acl.access import AccessDenied
from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.contacts import versions as version_ops
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.notes import AmbiguousContact

if TYPE_CHECKING:
    from cms_dav.app import App


class _ListByDefault(click.Group):
    """``history CONTACT`` means ``history list CONTACT``; ``show``/``restore`` are
    subcommands (a contact called "show" is reached with ``history list show``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


def _fail(exc: ContactError) -> CliError:
    """One line, plus the candidates when the contact reference was ambiguous."""
    if isinstance(exc, AmbiguousContact):
        for c in exc.candidates:
            click.echo(f"  {c.fn} <{', '.join(c.emails)}> uid={c.uid} /{c.book}/{c.href}",
                       err=True)
    return CliError(str(exc))


def _when(at: float | None) -> str:
    if at is None:
        return "-"
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(version: version_ops.Version) -> dict[str, Any]:
    return {**version.as_dict(), "at": None if version.written_at is None
            else _when(version.written_at)}


@click.group("history", cls=_ListByDefault)
def history() -> None:
    """A contact's stored versions: `history CONTACT` lists them (= `history list`),
    `show` prints one, `restore` makes one current. Earlier versions are kept for
    [history] days (default 90), and at least the newest [history] keep (10)."""


@history.command("list")
@click.argument("contact")
@click.option("--user", default=None, help="Act as this user (books they may read).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_command(app: App, contact: str, user: str | None, as_json: bool) -> None:
    """CONTACT's versions (UID, e-mail, phone or unique name), newest first."""
    try:
        found, kept = version_ops.list_versions(app.store, app.policy,
                                                app.settings.default_region, user, contact)
    except ContactError as exc:
        raise _fail(exc) from None
    if as_json:
        emit_json([_row(v) for v in kept])
        return
    click.echo(f"{found.fn} (/{found.book}/{found.href})")
    for v in kept:
        door = f" ({v.door})" if v.door else ""
        click.echo(f"{v.number:>8}  {_when(v.written_at):<20}  {v.author or '-'}{door}: "
                   f"{v.summary}")


@history.command("show")
@click.argument("contact")
@click.argument("version")
@click.option("--user", default=None, help="Act as this user (books they may read).")
@pass_app
def show(app: App, contact: str, version: str, user: str | None) -> None:
    """Print VERSION of CONTACT exactly as stored (a number from the list, or current)."""
    try:
        _, found = version_ops.show_version(app.store, app.policy,
                                            app.settings.default_region, user, contact,
                                            version)
    except ContactError as exc:
        raise _fail(exc) from None
    sys.stdout.flush()
    sys.stdout.buffer.write(found.text.encode("utf-8"))
    sys.stdout.buffer.flush()


@history.command("restore")
@click.argument("contact")
@click.argument("version")
@click.option("--user", default=None, help="Act as this user (books they may write).")
@pass_app
def restore(app: App, contact: str, version: str, user: str | None) -> None:
    """Make VERSION of CONTACT the current one (a normal change every client syncs)."""
    try:
        found, restored, written = version_ops.restore_version(
            app.store, app.policy, app.settings.default_region, user, contact, version)
    except ContactError as exc:
        raise _fail(exc) from None
    except AccessDenied as exc:
        raise CliError(f"cannot restore: {exc}") from None
    if not written:
        click.echo(f"version {restored.number} of {found.fn} is already the current text; "
                   "nothing changed")
        return
    click.echo(f"restored version {restored.number} of {found.fn} "
               f"(/{found.book}/{found.href})")

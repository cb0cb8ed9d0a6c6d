"""``cms-dav notes add|list|done|reopen|remove``: a contact's interaction history from the shell."""

from __future__ import annotations

from datetime import date, datetime, timezone

from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.contacts import notes as note_ops
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import KINDS, Interaction, follow_ups

if TYPE_CHECKING:
    from cms_dav.app import App


def _when(text: str | None) -> datetime | None:
    """ISO date-time; without an offset it is local time, as a person would type it."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--at {text!r}: expected a date-time such as 2026-11-20T10:00 or "
                       "2026-11-20 10:00+01:00") from None
    return (value if value.tzinfo else value.astimezone()).astimezone(timezone.utc)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--follow-up {text!r}: expected a date such as 2026-12-01") from None


def _fail(exc: ContactError) -> CliError:
    """One line, plus the candidates when the contact reference was ambiguous."""
    if isinstance(exc, note_ops.AmbiguousContact):
        for c in exc.candidates:
            click.echo(f"  {c.fn} <{', '.join(c.emails)}> uid={c.uid} /{c.book}/{c.href}", err=True)
    return CliError(str(exc))


def _row(note: Interaction) -> dict[str, str]:
    return {"id": note.id, "type": note.kind, "at": note.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": note.author,
            "follow_up": note.follow_up.isoformat() if note.follow_up else "",
            "done": note.done.strftime("%Y-%m-%dT%H:%M:%SZ") if note.done else "",
            "claimed": note.claimed.strftime("%Y-%m-%dT%H:%M:%SZ") if note.claimed else "",
            "text": note.text}


@click.group("notes")
def notes() -> None:
    """Interaction notes (calls, meetings, e-mails, visits) kept inside the vCard."""


@notes.command("add")
@click.argument("contact")
@click.option("--user", default=None, help="Author; the contact must be in a book they may write.")
@click.option("--type", "kind", type=click.Choice(KINDS), required=True)
@click.option("--text", required=True, help="What happened.")
@click.option("--at", "at", default=None,
              help="When it happened (ISO date-time): kept as the claimed time beside the "
                   "server's, never in the future.")
@click.option("--follow-up", "follow_up", default=None,
              help="Follow-up date (YYYY-MM-DD); closes the contact's earlier follow-ups.")
@pass_app
def add(app: App, contact: str, user: str | None, kind: str, text: str,
        at: str | None, follow_up: str | None) -> None:
    """Add a note to CONTACT (UID, e-mail, phone or unique name)."""
    when, day = _when(at), _day(follow_up)
    try:
        found, note = note_ops.add_note(app.store, app.policy, app.settings.default_region,
                                        user, contact, kind, text, when, day)
    except ContactError as exc:
        raise _fail(exc) from None
    click.echo(f"added {note.id} to {found.fn} (/{found.book}/{found.href})")
    if note.follow_up is not None:
        _report_superseded(app, user, found.uid, note)


def _report_superseded(app: App, user: str | None, uid: str, note: Interaction) -> None:
    """Say which open follow-ups the new note's own follow-up replaces (see ``done``)."""
    try:
        _, timeline = note_ops.list_notes(app.store, app.policy, app.settings.default_region,
                                          user, uid)
    except ContactError:
        return
    for follow_up in follow_ups(timeline):
        if follow_up.superseded_by == note.id:
            earlier = follow_up.interaction
            click.echo(f"closes follow-up {earlier.follow_up} of {earlier.id} "
                       "(replaced by this note's follow-up)")


@notes.command("list")
@click.argument("contact")
@click.option("--user", default=None, help="Act as this user (books they may read).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_command(app: App, contact: str, user: str | None, as_json: bool) -> None:
    """CONTACT's timeline, newest first: the server's time and the recording user; a
    time the writer claimed is shown beside it as claimed."""
    try:
        found, timeline = note_ops.list_notes(app.store, app.policy,
                                              app.settings.default_region, user, contact)
    except ContactError as exc:
        raise _fail(exc) from None
    if as_json:
        emit_json([_row(n) for n in timeline])
        return
    click.echo(f"{found.fn} (/{found.book}/{found.href})")
    for row in map(_row, timeline):
        follow = f" [follow up {row['follow_up']}" if row["follow_up"] else ""
        follow += (f", done {row['done']}]" if row["done"] else "]") if follow else ""
        claimed = f" (claimed {row['claimed']})" if row["claimed"] else ""
        click.echo(f"{row['at']}  {row['type']:<7} {row['author']}: {row['text']}{follow}"
                   f"{claimed}  ({row['id']})")


@notes.command("done")
@click.argument("contact")
@click.argument("note_id")
@click.option("--user", default=None, help="Act as this user (books they may write).")
@click.option("--at", "at", default=None, help="When it was done (ISO date-time; default now).")
@pass_app
def done(app: App, contact: str, note_id: str, user: str | None, at: str | None) -> None:
    """Mark the follow-up of note NOTE_ID on CONTACT done.

    The follow-ups calendar then shows its task completed (STATUS:COMPLETED). A
    follow-up is also closed, without this command, when a later note on the same
    contact sets a follow-up date of its own (the newer date replaces it); a later
    note without a follow-up date closes nothing.
    """
    when = _when(at)
    try:
        found, note = note_ops.done_note(app.store, app.policy, app.settings.default_region,
                                         user, contact, note_id, when)
    except ContactError as exc:
        raise _fail(exc) from None
    click.echo(f"done: follow-up {note.follow_up} of {note_id} on {found.fn} "
               f"(/{found.book}/{found.href})")


@notes.command("reopen")
@click.argument("contact")
@click.argument("note_id")
@click.option("--user", default=None, help="Act as this user (books they may write).")
@pass_app
def reopen(app: App, contact: str, note_id: str, user: str | None) -> None:
    """Take the done mark of note NOTE_ID on CONTACT away (a mistaken ``done``)."""
    try:
        found, note = note_ops.reopen_note(app.store, app.policy,
                                           app.settings.default_region, user, contact, note_id)
    except ContactError as exc:
        raise _fail(exc) from None
    click.echo(f"reopened: follow-up {note.follow_up} of {note_id} on {found.fn} "
               f"(/{found.book}/{found.href})")


@notes.command("remove")
@click.argument("contact")
@click.argument("note_id")
@click.option("--user", default=None, help="Act as this user (books they may write).")
@pass_app
def remove(app: App, contact: str, note_id: str, user: str | None) -> None:
    """Delete note NOTE_ID from CONTACT (the only way a note is ever removed).

    Only the note's author or an admin (rights file ``admins``; the CLI without
    ``--user``) may; the audit trail records what was removed."""
    try:
        found = note_ops.remove_note(app.store, app.policy, app.settings.default_region,
                                     user, contact, note_id)
    except ContactError as exc:
        raise _fail(exc) from None
    click.echo(f"removed {note_id} from {found.fn} (/{found.book}/{found.href})")

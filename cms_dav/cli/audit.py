"""``cms-dav audit``: who changed what, from which door (issue 13 item 3).

The local CLI is the admin door: it shows every entry; ``--user`` narrows to the
changes one user made, it does not act as that user.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click

from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.contacts import notes as note_ops
from cms_dav.store.audit import ENTRY_KEYS, AuditFilter, search

if TYPE_CHECKING:
    from cms_dav.app import App

_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: float) -> float:
    """"30m", "12h", "7d", "2w" (ago) or an ISO date / date-time (local time unless it
    has an offset) -> unix time."""
    match = _AGE.match(text)
    if match:
        return now - int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--since {text!r}: expected an age such as 30m, 12h, 7d, 2w or an "
                       "ISO date such as 2026-11-20 or 2026-11-20T10:00") from None
    return (value if value.tzinfo else value.astimezone()).timestamp()


def contact_filter(app: App, reference: str) -> dict[str, Any]:
    """What ``--contact`` names: a current contact (UID, href, e-mail, phone or unique
    name, as ``cms-dav notes``), matched by its UID and its place; otherwise (e.g. a
    deleted contact) the reference is taken as a UID or an href."""
    try:
        found = note_ops.resolve(app.store, app.policy, app.settings.default_region, None,
                                 reference)
    except note_ops.AmbiguousContact as exc:
        for c in exc.candidates:
            click.echo(f"  {c.fn} uid={c.uid} /{c.book}/{c.href}", err=True)
        raise CliError(str(exc)) from None
    except note_ops.ContactNotFound:
        literal = reference.strip()
        collection, _, href = literal.strip("/").rpartition("/")
        if collection:
            return {"items": ((collection, href),)}
        return {"uids": (literal,), "hrefs": (literal,)}
    return {"uids": (found.uid,), "items": ((found.book, found.href),)}


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds")


def _json_entry(entry: dict[str, Any]) -> dict[str, Any]:
    row = {key: entry[key] for key in ENTRY_KEYS}
    row["at"] = _when(entry["at"])
    return row


def _print_table(entries: list[dict[str, Any]]) -> None:
    if not entries:
        click.echo("no audit entries found")
        return
    from rich.console import Console
    from rich.table import Table
    table = Table()
    for title in ("When (UTC)", "User", "Door", "Address", "Method", "Kind", "What",
                  "ETag old → new"):
        table.add_column(title)
    for e in entries:
        what = f"/{e['collection']}/{e['href']}" if e["href"] else (
            f"/{e['collection']}/" if e["collection"] else e["target"])
        if e["uid"]:
            what += f"\nuid={e['uid']}"
        etags = f"{e['old_etag'] or '-'} → {e['new_etag'] or '-'}" if (
            e["old_etag"] or e["new_etag"]) else ""
        table.add_row(_when(e["at"]).replace("+00:00", ""), e["user"] or "-",
                      e["door"] or "-", e["address"], e["method"], e["kind"] or e["action"],
                      what, etags)
    Console(width=max(140, shutil.get_terminal_size().columns)).print(table)


@click.command("audit")
@click.option("--user", default=None, help="Only changes made by this user.")
@click.option("--contact", default=None,
              help="Only changes of this contact: UID, href, e-mail, phone or unique name.")
@click.option("--collection", default=None,
              help="Only changes in this collection (and below), e.g. /alice/contacts/.")
@click.option("--since", default=None, help="Only changes since: 30m, 12h, 7d, 2w or an ISO date.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="At most this many entries.")
@click.option("--json", "as_json", is_flag=True, help="JSON (stable keys) instead of a table.")
@pass_app
def audit(app: App, user: str | None, contact: str | None, collection: str | None,
          since: str | None, limit: int, as_json: bool) -> None:
    """The audit trail, newest first: when, who, door, address, method, kind, item and
    ETags of every change. The local CLI is the admin door: it sees every entry."""
    import time

    wanted: dict[str, Any] = {"user": user, "limit": limit}
    if collection is not None and collection.strip("/"):
        wanted["collection"] = collection.strip("/")
    if since is not None:
        wanted["since"] = parse_since(since, time.time())
    if contact is not None:
        wanted.update(contact_filter(app, contact))
    with app.store.reading() as conn:
        entries = search(conn, AuditFilter(**wanted))
    if as_json:
        emit_json([_json_entry(e) for e in entries])
    else:
        _print_table(entries)

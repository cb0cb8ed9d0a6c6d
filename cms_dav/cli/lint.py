"""``cms-dav lint``: report problems in vCard files without changing them.

Works on files (an export, a phone backup) so problems can be found before an
import, and on stored address books (an argument starting with "/", e.g.
``/alice/contacts/``); cards are also linted on upload (see the server log).
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from cms_dav.cli.common import CliError, emit_json, pass_settings, services
from cms_dav.config import Settings
from cms_dav.contacts.validation import lint_card
from cms_dav.io.encoding import DecodeError, decode_bytes

_CARD = re.compile(r"^BEGIN:VCARD\s*$.*?^END:VCARD[ \t]*\r?$",
                   re.IGNORECASE | re.MULTILINE | re.DOTALL)


def _cards(path: Path) -> list[str]:
    try:
        text, _encoding = decode_bytes(path.read_bytes())
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    except DecodeError as exc:
        raise CliError(f"{path}: {exc}") from None
    cards = [m.group(0) for m in _CARD.finditer(text)]
    if not cards:
        raise CliError(f"{path}: no BEGIN:VCARD ... END:VCARD found")
    return cards


def _stored_cards(user: str | None, path: str) -> list[str]:
    """The cards of a stored address book (the App, and so the database, only now)."""
    from cms_dav.acl.access import AccessDenied, require

    app = services().app
    try:
        require(app.policy, user, path, "r")
    except AccessDenied as exc:
        raise CliError(str(exc)) from None
    store = app.store
    record = store.collection(path.strip("/"))
    if record is None or record.tag != "VADDRESSBOOK":
        raise CliError(f"{path} is not an address book")
    return [item.text or "" for item in store.all_items(record.id)]


@click.command("lint")
@click.argument("sources", nargs=-1, required=True)
@click.option("--region", default=None,
              help="Region for numbers without +country code (default: config).")
@click.option("--user", default=None, help="Acting user for stored address books.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_settings
def lint(settings: Settings, sources: tuple[str, ...], region: str | None, user: str | None,
         as_json: bool) -> None:
    """Report malformed e-mails, unreadable phones, missing FN/UID in vCard files or in
    stored address books (SOURCES starting with "/", e.g. /alice/contacts/).

    Exit status 1 when any problem is found, so scripts can gate an import on it.
    """
    region = (region if region is not None else settings.default_region).upper()
    report = []
    for source in sources:
        path = Path(source)
        stored = source.startswith("/") and not path.is_file()
        cards = _stored_cards(user, source) if stored else _cards(path)
        for number, text in enumerate(cards, start=1):
            uid = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                        if line.upper().startswith("UID:")), "")
            for problem in lint_card(text, region):
                report.append({"file": source, "card": number, "uid": uid, "problem": problem})
    if as_json:
        emit_json(report)
    else:
        for row in report:
            label = row["uid"] or f"card {row['card']}"
            click.echo(f"{row['file']}: {label}: {row['problem']}")
    if report:  # CliError: exit status 1 also through cms_dav.cli.main (non-standalone click)
        raise CliError(f"{len(report)} problem(s) found")

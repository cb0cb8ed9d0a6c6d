"""``cms-dav lint``: report problems in vCard files without changing them.

Works on files (an export, a phone backup) so problems can be found before an
import; cards already on the server are linted on upload (see the server log).
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from cms_dav.cli.common import CliError, emit_json, pass_settings
from cms_dav.config import Settings
from cms_dav.contacts.validation import lint_card
from cms_dav.io.encoding import DecodeError, decode_bytes

_CARD = re.compile(r"^BEGIN:VCARD\s*$.*?^END:VCARD[ \t]*\r?$", re.IGNORECASE | re.MULTILINE | re.DOTALL)


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


@click.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", default=None, help="Region for numbers without +country code (default: config).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_settings
def lint(settings: Settings, files: tuple[Path, ...], region: str | None, as_json: bool) -> None:
    """Report malformed e-mails, unreadable phones, missing FN/UID in vCard FILES.

    Exit status 1 when any problem is found, so scripts can gate an import on it.
    """
    region = (region if region is not None else settings.default_region).upper()
    report = []
    for path in files:
        for number, text in enumerate(_cards(path), start=1):
            uid = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                        if line.upper().startswith("UID:")), "")
            for problem in lint_card(text, region):
                report.append({"file": str(path), "card": number, "uid": uid, "problem": problem})
    if as_json:
        emit_json(report)
    else:
        for row in report:
            label = row["uid"] or f"card {row['card']}"
            click.echo(f"{row['file']}: {label}: {row['problem']}")
    if report:  # CliError: exit status 1 also through cms_dav.cli.main (non-standalone click)
        raise CliError(f"{len(report)} problem(s) found")

"""``cms-dav field add|remove|list``: custom field definitions (the fields file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, emit_json, pass_settings
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import TYPES, FieldDef, parse_fields

if TYPE_CHECKING:
    from cms_dav.config import Settings


def _row(each: FieldDef) -> dict[str, object]:
    return {"key": each.key, "type": each.type, "choices": list(each.choices),
            "labels": dict(each.labels), "scope": list(each.scope) or ["all"]}


@click.group("field")
def field() -> None:
    """Custom contact fields, defined in the fields file ([contacts] fields_file)."""


@field.command("add")
@click.argument("key")
@click.option("--type", "kind", type=click.Choice(TYPES), required=True)
@click.option("--choices", default=None, help="Values of a choice field: A,B,C.")
@click.option("--label", "labels", multiple=True,
              help="LANG=TEXT, LANG one of en, zh-CN, pl (repeatable).")
@click.option("--scope", "scope", multiple=True,
              help="group:NAME: only the address books of that group (repeatable; "
                   "default: every address book).")
@pass_settings
def add(settings: Settings, key: str, kind: str, choices: str | None,
        labels: tuple[str, ...], scope: tuple[str, ...]) -> None:
    """Define the field KEY (comments in the file are kept)."""
    values = [c.strip() for c in choices.split(",")] if choices else []
    try:
        from cms_dav.contacts.fields_editor import add_field, parse_labels  # tomlkit

        add_field(settings.fields_file, key, kind, values, parse_labels(labels), list(scope))
    except ContactError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"added field {key} ({kind}) to {settings.fields_file}")


@field.command("remove")
@click.argument("key")
@pass_settings
def remove(settings: Settings, key: str) -> None:
    """Delete the definition of KEY; values already in cards stay in the cards."""
    try:
        from cms_dav.contacts.fields_editor import remove_field  # tomlkit

        remove_field(settings.fields_file, key)
    except ContactError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"removed field {key} from {settings.fields_file}")


@field.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_settings
def list_fields(settings: Settings, as_json: bool) -> None:
    """The defined fields; a broken file is an error naming its line."""
    path = settings.fields_file
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        defined = parse_fields(text, str(path))
    except (ContactError, OSError, UnicodeDecodeError) as exc:
        raise CliError(str(exc)) from None
    if as_json:
        emit_json([_row(each) for each in defined.fields])
        return
    for each in defined.fields:
        extra = f" ({', '.join(each.choices)})" if each.choices else ""
        labels = "; ".join(f"{lang}={text}" for lang, text in each.labels.items())
        scope = ", ".join(each.scope) or "all address books"
        click.echo(f"{each.key}\t{each.type}{extra}\t{labels}\t[{scope}]")

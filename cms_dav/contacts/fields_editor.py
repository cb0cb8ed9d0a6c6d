"""Edits of the fields file that keep the admin's comments and layout (tomlkit).

As for the rights file (:mod:`cms_dav.acl.editor`): a file that is already broken
is not edited, every edit is validated by parsing the result, and the file is
replaced atomically, so the live server never reads a half-written file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

import tomlkit
from tomlkit.items import Table

from cms_dav.config.toml_edit import edit_toml
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import (
    LANGUAGES, TYPES, FieldSet, FieldsFileError, check_key, parse_fields,
)


class FieldsEditError(ContactError):
    """An edit that cannot be made; the message says why."""


def edit(path: Path, change: Callable[[tomlkit.TOMLDocument], None]) -> FieldSet:
    return edit_toml(path, change, parse_fields, lambda exc: FieldsEditError(
        f"the edit would make the fields file invalid: {exc}"), (FieldsFileError,), ".fields-")


def _fields(document: tomlkit.TOMLDocument) -> Table:
    if "fields" not in document:
        document["fields"] = tomlkit.table(is_super_table=True)
    return cast(Table, document["fields"])  # tomlkit types a key's value as Any


def parse_labels(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``LANG=TEXT`` pairs (``zh-CN=行业``) as a dict; raises FieldsEditError."""
    labels: dict[str, str] = {}
    for pair in pairs:
        language, equals, text = pair.partition("=")
        if not equals or language.strip() not in LANGUAGES or not text.strip():
            raise FieldsEditError(f"--label {pair!r}: expected LANG=TEXT with LANG one of "
                                  f"{', '.join(LANGUAGES)}")
        labels[language.strip()] = text.strip()
    return labels


def add_field(path: Path, key: str, kind: str, choices: list[str],
              labels: dict[str, str], scope: list[str]) -> FieldSet:
    """Append ``[fields.KEY]``; an existing key is refused (remove it first)."""
    try:
        check_key(key)
    except ValueError as exc:
        raise FieldsEditError(str(exc)) from None
    if kind not in TYPES:
        raise FieldsEditError(f"type {kind!r}: expected one of {', '.join(TYPES)}")
    if kind == "choice" and not choices:
        raise FieldsEditError(f"field {key!r}: a choice field needs --choices A,B,C")
    if kind != "choice" and choices:
        raise FieldsEditError(f"field {key!r}: only a choice field takes --choices")

    def change(document: tomlkit.TOMLDocument) -> None:
        fields = _fields(document)
        if key in fields:
            raise FieldsEditError(f"field {key!r} already exists")
        body = tomlkit.table()
        body["type"] = kind
        if choices:
            body["choices"] = choices
        if labels:
            inline = tomlkit.inline_table()
            inline.update(labels)
            body["label"] = inline
        if scope:
            body["scope"] = scope
        fields[key] = body
    return edit(path, change)


def remove_field(path: Path, key: str) -> FieldSet:
    """Delete ``[fields.KEY]``; values already in cards stay there (and in vCard
    exports), but get no CSV/xlsx column and no type check any more."""
    def change(document: tomlkit.TOMLDocument) -> None:
        fields = document.get("fields", {})
        if key not in fields:
            raise FieldsEditError(f"field {key!r} does not exist")
        del fields[key]
    return edit(path, change)

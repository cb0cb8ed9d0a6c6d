"""Custom field definitions (``fields.toml``): parsed, validated with line numbers.

The admin writes the file by hand (or with ``cms-dav field add``)::

    # what sales wants on every customer
    [fields.industry]
    type = "choice"                      # text | number | date | choice | bool
    choices = ["Manufacturing", "Retail"]
    label = { en = "Industry", zh-CN = "行业", pl = "Branża" }
    scope = ["group:sales"]              # optional; omitted: every address book

Every problem is reported with its line, as for the rights file
(:mod:`cms_dav.acl.rules`). Values are checked and brought to one canonical
spelling by :meth:`FieldDef.normalize`, so the index, import and the CLI agree:
numbers as plain decimals (``50000``, ``-12.5``), dates as ``YYYY-MM-DD``, booleans
as ``true``/``false``, choices as written in the file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from cms_dav.contacts.errors import ContactError

TYPES = ("text", "number", "date", "choice", "bool")
LANGUAGES = ("en", "zh-CN", "pl")
KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_SCOPE_RE = re.compile(r"^group:[A-Za-z0-9][A-Za-z0-9._@-]*$")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TRUE = {"true", "yes", "y", "1", "是", "tak"}
_FALSE = {"false", "no", "n", "0", "否", "nie"}
_KEYS = ("type", "choices", "label", "scope")


class FieldsFileError(ContactError):
    """The fields file cannot be used; the message names the line and the problem."""


class FieldValueError(ContactError):
    """A value does not fit its field's type; the message names field and value."""


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"field key {key!r} is not valid (lower-case letters, digits, '_', "
                         "'-', starting with a letter)")
    return key


@dataclass(frozen=True)
class FieldDef:
    """One custom field: key, type, choices (``choice`` only), labels, scope."""

    key: str
    type: str
    choices: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    #: ``group:NAME`` entries; empty: every address book
    scope: tuple[str, ...] = ()
    line: int = 0

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels.get("en") or self.key

    def normalize(self, raw: str) -> str:
        """The canonical spelling of ``raw``; ``""`` (cleared) for blank input.

        Raises FieldValueError naming the field and the value."""
        value = raw.strip()
        if not value:
            return ""
        if _CONTROL.search(value):
            raise FieldValueError(f"field {self.key!r}: value contains control characters")
        if self.type == "number":
            return _number(self.key, value)
        if self.type == "date":
            return _day(self.key, value).isoformat()
        if self.type == "bool":
            folded = value.casefold()
            if folded in _TRUE:
                return "true"
            if folded in _FALSE:
                return "false"
            raise FieldValueError(f"field {self.key!r}: {raw!r} is not a yes/no value "
                                  "(expected true or false)")
        if self.type == "choice":
            for choice in self.choices:
                if choice.casefold() == value.casefold():
                    return choice
            raise FieldValueError(f"field {self.key!r}: {raw!r} is not one of its choices "
                                  f"({', '.join(self.choices)})")
        return value

    def in_scope(self, book_groups: frozenset[str]) -> bool:
        """Whether the field applies to a book whose owner is in ``book_groups``."""
        return not self.scope or any(s.partition(":")[2] in book_groups for s in self.scope)


def _number(key: str, value: str) -> str:
    if not _NUMBER_RE.match(value):
        raise FieldValueError(f"field {key!r}: {value!r} is not a number "
                              "(expected e.g. 50000 or 1234.5)")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise FieldValueError(f"field {key!r}: {value!r} is not a number") from None
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _day(key: str, value: str) -> date:
    try:
        if re.fullmatch(r"\d{8}", value):
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        return date.fromisoformat(value)
    except ValueError:
        raise FieldValueError(f"field {key!r}: {value!r} is not a date "
                              "(expected YYYY-MM-DD)") from None


def number_of(value: str) -> float | None:
    """A stored value as a number for the index, or None (also when out of range)."""
    if not _NUMBER_RE.match(value.strip()):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def date_of(value: str) -> date | None:
    """A stored value as a date for the index, or None."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class FieldSet:
    """Every defined field, in file order."""

    fields: tuple[FieldDef, ...] = ()

    def get(self, key: str) -> FieldDef | None:
        return next((f for f in self.fields if f.key == key), None)

    def by_header(self, header: str) -> FieldDef | None:
        """The field a table column names by key or by any of its labels."""
        wanted = " ".join(header.replace("\ufeff", "").split()).casefold()
        for each in self.fields:
            if wanted == each.key or wanted in {v.casefold() for v in each.labels.values()}:
                return each
        return None

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]


EMPTY_FIELDS = FieldSet()

_HEADER = re.compile(r"^\s*\[\s*fields\s*\.\s*[\"']?([^\]\"']+?)[\"']?\s*\]")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\"'.-]+)\s*=")


def _lines(text: str) -> dict[tuple[str, str], int]:
    """Where each ``[fields.KEY]`` header (key "") and each of its keys is written."""
    found: dict[tuple[str, str], int] = {}
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = header.group(1).strip()
            found.setdefault((current, ""), number)
        elif line.lstrip().startswith("["):
            current = ""
            found.setdefault(("", line.strip()), number)
        else:
            key = _KEY_LINE.match(line)
            if key:
                found.setdefault((current, key.group(1).strip("\"'")), number)
    return found


def parse_fields(text: str, source: str = "fields file") -> FieldSet:
    """Parse and validate the fields file; raise FieldsFileError naming the line
    (``tomllib`` is imported here: a data dir without a fields file never needs it)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc).replace("at end of document",
                                   f"at end of document, line {len(text.splitlines())}")
        raise FieldsFileError(f"{source}: {message}") from None
    lines = _lines(text)

    def fail(key: str, name: str, problem: str) -> FieldsFileError:
        line = lines.get((key, name)) or lines.get((key, "")) or 1
        return FieldsFileError(f"{source}, line {line}: {problem}")

    for top in data:
        if top != "fields":
            raise fail("", top, f"unknown key {top!r} (expected [fields.KEY] sections)")
    raw = data.get("fields", {})
    if not isinstance(raw, dict):
        raise fail("", "fields", "fields must be written as [fields.KEY] sections")
    found = []
    for key, body in raw.items():
        try:
            check_key(key)
        except ValueError as exc:
            raise fail(key, "", str(exc)) from None
        if not isinstance(body, dict):
            raise fail(key, "", f"[fields.{key}] must be a table with 'type'")
        found.append(_field(key, body, fail, lines.get((key, ""), 1)))
    names: dict[str, str] = {}
    for each in found:  # an import column must name exactly one field
        for name in {each.key, *(v.casefold() for v in each.labels.values())}:
            if names.setdefault(name, each.key) != each.key:
                raise fail(each.key, "label", f"[fields.{each.key}]: {name!r} already names "
                           f"field {names[name]!r}")
    return FieldSet(tuple(found))


def _field(key: str, body: dict[str, Any], fail: Any, line: int) -> FieldDef:
    for name in body:
        if name not in _KEYS:
            raise fail(key, name, f"[fields.{key}]: unknown key {name!r} "
                       f"(expected {', '.join(_KEYS)})")
    kind = body.get("type")
    if kind not in TYPES:
        raise fail(key, "type", f"[fields.{key}]: type = {kind!r}: expected one of "
                   f"{', '.join(TYPES)}")
    choices = body.get("choices", [])
    if not isinstance(choices, list) or not all(
            isinstance(c, str) and c.strip() and not _CONTROL.search(c) for c in choices):
        raise fail(key, "choices", f"[fields.{key}]: choices must be a list of non-empty "
                   "strings")
    if kind == "choice" and not choices:
        raise fail(key, "type", f"[fields.{key}]: a choice field needs choices = [...]")
    if kind != "choice" and choices:
        raise fail(key, "choices", f"[fields.{key}]: only a choice field has choices")
    if len({c.casefold() for c in choices}) != len(choices):
        raise fail(key, "choices", f"[fields.{key}]: choices must differ (ignoring case)")
    labels = body.get("label", {})
    if not isinstance(labels, dict):
        raise fail(key, "label", f"[fields.{key}]: label must be a table, e.g. "
                   "{ en = \"Industry\", zh-CN = \"行业\" }")
    for language, text in labels.items():
        if language not in LANGUAGES or not isinstance(text, str) or not text.strip():
            raise fail(key, "label", f"[fields.{key}]: label {language!r}: expected a "
                       f"non-empty text for one of {', '.join(LANGUAGES)}")
    scope = body.get("scope", [])
    if isinstance(scope, str):
        scope = [scope]
    if not isinstance(scope, list) or not all(
            isinstance(s, str) and _SCOPE_RE.match(s) for s in scope):
        raise fail(key, "scope", f"[fields.{key}]: scope must be a list of group:NAME")
    return FieldDef(key, kind, tuple(choices), dict(labels), tuple(scope), line)

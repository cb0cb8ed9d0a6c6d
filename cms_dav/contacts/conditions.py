"""The condition language of ``--where`` (issue 14 item 2), typed by the fields file.

One condition compares one custom field::

    spend>=50000          number: = != < <= > >=
    first-order<2026-01-01  date (YYYY-MM-DD): = != < <= > >=
    level=A               choice / text / bool: = != (case-insensitive)
    industry in (Manufacturing,Retail)    any type; ``not in (...)`` too

Values are checked and spelled as the field's type says
(:meth:`cms_dav.contacts.field_defs.FieldDef.normalize`), so ``spend>=50,000`` is an
error rather than a text comparison. A card without a value for the field matches
only ``!=`` and ``not in``. Kept apart from the command line so that saved segments
can store and re-read the same text later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import FieldDef, FieldSet, FieldValueError

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "in", "not in")
ORDERED_TYPES = ("number", "date")
_COMPARISON = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(<=|>=|!=|=|<|>)\s*(.*?)\s*$",
                         re.DOTALL)
_MEMBERSHIP = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s+(not\s+in|in)\s*\((.*)\)\s*$",
                         re.IGNORECASE | re.DOTALL)


class ConditionError(ContactError):
    """A condition that cannot be used; the one-line message quotes it and says why."""


@dataclass(frozen=True)
class Condition:
    """One parsed condition, values as typed (not yet checked against a field)."""

    key: str
    op: str
    values: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class BoundCondition:
    """A condition checked against its field: values canonical for the field's type."""

    field: FieldDef
    op: str
    values: tuple[str, ...]


def parse_condition(text: str) -> Condition:
    """``KEY OP VALUE`` or ``KEY [not] in (A,B)``; raises ConditionError."""
    membership = _MEMBERSHIP.match(text)
    if membership:
        key, op, inner = membership.groups()
        values = tuple(v.strip() for v in inner.split(","))
        if not any(values) or not all(values):
            raise ConditionError(f"--where {text!r}: the list in (...) has an empty value")
        return Condition(key.lower(), " ".join(op.lower().split()), values, text)
    comparison = _COMPARISON.match(text)
    if not comparison:
        raise ConditionError(f"--where {text!r}: expected KEY OP VALUE with OP one of "
                             "= != < <= > >=, or KEY in (A,B,...)")
    key, op, value = comparison.groups()
    if not value:
        raise ConditionError(f"--where {text!r}: no value after {op!r}")
    return Condition(key.lower(), op, (value,), text)


def bind(condition: Condition, fields: FieldSet) -> BoundCondition:
    """Check ``condition`` against the defined fields; raises ConditionError."""
    definition = fields.get(condition.key)
    if definition is None:
        known = ", ".join(fields.keys()) or "none: see `cms-dav field add`"
        raise ConditionError(f"--where {condition.text!r}: no field {condition.key!r} "
                             f"(defined: {known})")
    if condition.op in ("<", "<=", ">", ">=") and definition.type not in ORDERED_TYPES:
        raise ConditionError(f"--where {condition.text!r}: {definition.key} is a "
                             f"{definition.type} field: use =, != or in (...)")
    try:
        values = tuple(definition.normalize(v) for v in condition.values)
    except FieldValueError as exc:
        raise ConditionError(f"--where {condition.text!r}: {exc}") from None
    return BoundCondition(definition, condition.op, values)


def parse_conditions(texts: list[str] | tuple[str, ...], fields: FieldSet
                     ) -> list[BoundCondition]:
    """Every ``--where`` text parsed and bound; the first problem is the error."""
    return [bind(parse_condition(text), fields) for text in texts]

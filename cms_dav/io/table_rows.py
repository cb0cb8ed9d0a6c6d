"""Turn spreadsheet rows into ContactRecords, one verdict per row.

Each row is judged on its own: a bad row yields an error naming its row
number and every problem found, and the rows after it are still read.
What a single cell holds (several values, a type prefix, an address, a
birthday) is read by :mod:`cms_dav.io.table_cells`, the rules export writes by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cms_dav.contacts.field_defs import FieldValueError
from cms_dav.io.contact_record import Address, ContactRecord
from cms_dav.io.phones import looks_like_phone
from cms_dav.io.table_cells import (
    cell_text, normalize_type, parse_address_cell, parse_birthday, split_categories, split_multi,
    split_typed,
)
from cms_dav.io.table_fields import ADDRESS_PARTS, ColumnPlan, FieldSpec

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]{2,}$")


@dataclass
class RowResult:
    """One data row: ``record`` when it is importable, else ``error`` says why."""

    row_number: int             # as the user sees it: the header is row 1
    record: ContactRecord | None = None
    error: str | None = None


def rows_to_results(rows: Iterable[Sequence[object]], plan: ColumnPlan,
                    default_region: str | None, first_row_number: int = 2,
                    header_width: int | None = None) -> Iterator[RowResult]:
    """With ``header_width`` (CSV), a row with non-empty values beyond the header is
    refused: those values have no column to go to, and an unquoted delimiter inside a
    value has usually shifted the row's other values into the wrong columns."""
    for number, row in enumerate(rows, start=first_row_number):
        cells = [cell_text(v) for v in row]
        if not any(cells):
            continue
        if header_width is not None and any(cells[header_width:]):
            yield RowResult(number, error=(
                f"row {number} has {len(cells)} fields but the header has {header_width} "
                "columns (an unquoted delimiter inside a value?); quote that value or "
                "add a header for the extra field"))
            continue
        problems: list[str] = []
        record = _build(cells, plan, problems)
        _validate(record, default_region, problems)
        if problems:
            yield RowResult(number, error="; ".join(problems))
        else:
            yield RowResult(number, record=record)


def _build(cells: list[str], plan: ColumnPlan, problems: list[str]) -> ContactRecord:
    record = ContactRecord()
    slots: dict[tuple[str, str], dict[str, str]] = {}
    for index, spec in plan.columns.items():
        value = cells[index] if index < len(cells) else ""
        if not value:
            continue
        if spec.kind in ("email", "phone", "address"):
            slot = slots.setdefault(spec.slot_key, {"type": spec.type, "_kind": spec.kind})
            slot[spec.part] = value if spec.part != "type" else normalize_type(value)
        else:
            _set_scalar(record, spec, value, problems)
    for (kind, _), slot in slots.items():
        _add_typed(record, kind, slot)
    if not record.fn and (record.given or record.family):
        record.fn = " ".join(p for p in (record.given, record.family) if p)
    return record


def _set_scalar(record: ContactRecord, spec: FieldSpec, value: str, problems: list[str]) -> None:
    if spec.kind == "categories":
        record.categories += [c for c in split_categories(value) if c not in record.categories]
    elif spec.kind == "interactions":
        record.interactions += split_multi(value)
    elif spec.kind == "field" and spec.definition is not None:
        try:
            record.fields[spec.type] = spec.definition.normalize(value)
        except FieldValueError as exc:
            problems.append(str(exc))
    elif spec.kind == "bday":
        try:
            record.bday = parse_birthday(value)
        except ValueError as exc:
            problems.append(str(exc))
    else:
        setattr(record, spec.kind, value)


def _add_typed(record: ContactRecord, kind: str, slot: dict[str, str]) -> None:
    if kind == "address":
        parts = {p: slot.get(p, "") for p in ADDRESS_PARTS}
        if slot.get("value"):
            for raw in re.split(r"\s*:::\s*", slot["value"]):
                kind_prefix, value = split_typed(raw.strip())
                if value:
                    record.addresses.append((kind_prefix or slot["type"],
                                             parse_address_cell(value)))
        elif any(parts.values()):
            record.addresses.append((slot["type"], Address(parts["street"], parts["city"],
                                     parts["region"], parts["postal_code"], parts["country"])))
        return
    target = record.emails if kind == "email" else record.phones
    for raw in split_multi(slot.get("value", "")):
        kind_prefix, value = split_typed(raw)
        target.append((kind_prefix or slot["type"], value))


def _validate(record: ContactRecord, region: str | None, problems: list[str]) -> None:
    for _, email in record.emails:
        if not _EMAIL.match(email):
            problems.append(f"invalid e-mail {email!r}")
    for _, phone in record.phones:
        if not looks_like_phone(phone):
            problems.append(f"unparseable phone {phone!r}")
    if not (record.fn or record.org or record.emails or record.phones):
        problems.append("row has no name, organisation, e-mail or phone")

"""Turn spreadsheet rows into ContactRecords, one verdict per row.

Each row is judged on its own: a bad row yields an error naming its row
number and every problem found, and the rows after it are still read.
Multi-valued cells use " ::: " between values (Google's convention) and may
prefix a value with its type, e.g. "work: ada@example.com".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cms_dav.io.contact_record import Address, ContactRecord
from cms_dav.io.phones import looks_like_phone
from cms_dav.io.table_fields import ADDRESS_PARTS, ColumnPlan, FieldSpec

MULTI_SEPARATOR = " ::: "
TYPE_WORDS = {"home", "work", "cell", "mobile", "fax", "pager", "voice", "other", "main",
              "iphone", "text", "video", "pref", "internet", "car", "msg", "isdn", "bbs"}
_TYPE_PREFIX = re.compile(r"^([A-Za-z-]+(?:,[A-Za-z-]+)*):\s+(.+)$", re.S)
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]{2,}$")
_TYPE_ALIASES = {"mobile": "cell", "business": "work", "personal": "home", "private": "home"}


@dataclass
class RowResult:
    """One data row: ``record`` when it is importable, else ``error`` says why."""

    row_number: int             # as the user sees it: the header is row 1
    record: ContactRecord | None = None
    error: str | None = None


def cell_text(value: object) -> str:
    """Cells from openpyxl may be numbers or dates; phones must not become '6.01e8'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def split_multi(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*:::\s*|\n", text) if p.strip()]


def split_typed(text: str) -> tuple[str, str]:
    """'work: x' -> ('work', 'x') when the prefix is made of known type words."""
    m = _TYPE_PREFIX.match(text)
    if m and all(w.lower() in TYPE_WORDS or w.lower().startswith("x-")
                 for w in m.group(1).split(",")):
        return normalize_type(m.group(1)), m.group(2).strip()
    return "", text


def normalize_type(raw: str) -> str:
    words = [w.strip().lstrip("*").strip().lower() for w in re.split(r"[,;]| ::: ", raw)]
    return ",".join(_TYPE_ALIASES.get(w, w) for w in words if w)


def split_categories(text: str) -> list[str]:
    parts = split_multi(text) if ":::" in text else re.split(r"[;,]", text)
    out: list[str] = []
    for part in (p.strip() for p in parts):
        if part and not part.startswith("* ") and part not in out:  # Google system groups
            out.append(part)
    return out


def parse_birthday(text: str) -> str:
    """ISO date (or --MM-DD without year); raises ValueError on anything else."""
    t = text.strip()
    if t in ("", "0/0/00", "00.00.0000"):
        return ""
    patterns = [
        (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", "ymd"), (r"(\d{4})/(\d{1,2})/(\d{1,2})", "ymd"),
        (r"(\d{4})年(\d{1,2})月(\d{1,2})日", "ymd"), (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", "dmy"),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", "mdy"), (r"--(\d{1,2})-?(\d{1,2})", "md"),
    ]
    for pattern, order in patterns:
        m = re.fullmatch(pattern, t)
        if not m:
            continue
        parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
        year = parts.get("y", 2000)
        try:
            dt.date(year, parts["m"], parts["d"])
        except ValueError:
            raise ValueError(f"birthday {text!r} is not a real date") from None
        return f"{year:04d}-{parts['m']:02d}-{parts['d']:02d}" if "y" in parts \
            else f"--{parts['m']:02d}-{parts['d']:02d}"
    raise ValueError(f"unreadable birthday {text!r} (use YYYY-MM-DD)")


def parse_address_cell(text: str) -> Address:
    parts = [p.strip() for p in text.split(";")]
    if len(parts) == 1:
        return Address(street=parts[0])
    return Address(*(parts + [""] * 5)[:5])


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

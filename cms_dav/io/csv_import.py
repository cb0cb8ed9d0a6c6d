"""Read a CSV upload (any expected encoding and delimiter) into RowResults."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from cms_dav.contacts.field_defs import FieldSet
from cms_dav.io.encoding import decode_bytes, sniff_delimiter
from cms_dav.io.table_fields import ColumnPlan, TableError, plan_columns
from cms_dav.io.table_rows import RowResult, rows_to_results


@dataclass
class TableImport:
    """How the file was understood, plus the row verdicts (iterate it)."""

    plan: ColumnPlan
    rows: Iterator[RowResult]
    encoding: str = "utf-8"
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[RowResult]:
        return self.rows


def read_csv(data: bytes, *, mapping: dict[str, str] | None = None, preset: str | None = None,
             default_region: str | None = None, fields: FieldSet | None = None
             ) -> TableImport:
    """Decode, sniff, map the header row (row 1); rows are yielded lazily. ``fields``:
    the custom fields columns may name (by key or label)."""
    text, encoding = decode_bytes(data)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise TableError("the file is empty")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = next(reader)
    plan = plan_columns(headers, mapping=mapping, preset=preset, fields=fields)
    return TableImport(plan, rows_to_results(reader, plan, default_region,
                                                 header_width=len(headers)),
                       encoding=encoding, delimiter=delimiter)

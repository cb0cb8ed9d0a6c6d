"""Read the first worksheet of an .xlsx upload into RowResults."""

from __future__ import annotations

import io
import zipfile

from cms_dav.contacts.field_defs import FieldSet
from cms_dav.io.csv_import import TableImport
from cms_dav.io.table_fields import TableError, plan_columns
from cms_dav.io.table_cells import cell_text
from cms_dav.io.table_rows import rows_to_results


def read_xlsx(data: bytes, *, mapping: dict[str, str] | None = None, preset: str | None = None,
              default_region: str | None = None, fields: FieldSet | None = None
              ) -> TableImport:
    """Same contract as read_csv; read_only keeps memory flat on big sheets."""
    from openpyxl import load_workbook  # loaded for xlsx files only, not at every start

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise TableError(f"not a readable .xlsx file: {exc}") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        headers = [cell_text(v) for v in next(rows)]
    except StopIteration:
        raise TableError("the worksheet is empty") from None
    plan = plan_columns(headers, mapping=mapping, preset=preset, fields=fields)
    return TableImport(plan, rows_to_results((list(r) for r in rows), plan, default_region),
                       encoding="xlsx", delimiter="")

"""Generated contact tables (plain template) in any encoding, for import tests."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from cms_dav.io.contact_record import ContactRecord
from cms_dav.io.export_formats import COLUMNS, record_row


def csv_bytes(records: list[ContactRecord], encoding: str, delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(record_row(r) for r in records)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(records: list[ContactRecord]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for record in records:
        sheet.append(record_row(record))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

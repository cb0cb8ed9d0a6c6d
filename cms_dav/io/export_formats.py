"""Write contacts and events out as CSV, xlsx, vCard and iCalendar.

CSV/xlsx use the plain template's headers and write each cell by the rules
of :mod:`cms_dav.io.table_cells` (the ones import reads by), then one column
per custom field, headed by the field's key (import maps it back), so an
export imports back unchanged.  Categories containing commas do not survive the
round trip when a contact has only one category.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence

from cms_dav.contacts.vcard_lines import CRLF
from cms_dav.io.contact_record import ContactRecord
from cms_dav.io.object_split import RawComponent, calendar_parts
from cms_dav.io.table_cells import address_cell, join_multi, typed_cell

PRODID = "-//cms_dav//export//EN"
COLUMNS = ("UID", "Name", "Given name", "Family name", "Organization", "Title", "E-mail",
           "Phone", "Address", "Categories", "Note", "Birthday", "URL", "Interactions")


def record_row(record: ContactRecord, fields: Sequence[str] = ()) -> list[str]:
    """The cells of one contact; ``fields``: the custom field keys, one cell each."""
    return [
        record.uid or "", record.fn, record.given, record.family, record.org, record.title,
        join_multi(typed_cell(k, v) for k, v in record.emails),
        join_multi(typed_cell(k, v) for k, v in record.phones),
        join_multi(typed_cell(k, address_cell(a)) for k, a in record.addresses),
        join_multi(record.categories), record.note, record.bday, record.url,
        join_multi(record.interactions),
        *(record.fields.get(key, "") for key in fields),
    ]


def export_csv(records: Iterable[ContactRecord], fields: Sequence[str] = ()) -> bytes:
    """UTF-8 with BOM and CRLF: what Excel needs to show Chinese and Polish right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*COLUMNS, *fields])
    writer.writerows(record_row(r, fields) for r in records)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def export_xlsx(records: Iterable[ContactRecord], fields: Sequence[str] = ()) -> bytes:
    # openpyxl is loaded by the one export that writes xlsx, not by every CLI start
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet), "a new workbook starts with one worksheet"
    sheet.title = "Contacts"
    sheet.append([*COLUMNS, *fields])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for record in records:
        sheet.append(record_row(record, fields))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_vcf(texts: Iterable[str]) -> str:
    """Cards back to back, each ending in CRLF."""
    return "".join(t if t.endswith(CRLF) else t.rstrip("\r\n") + CRLF for t in texts)


def export_ics(texts: Iterable[str]) -> str:
    """One VCALENDAR holding every object's components, each with its stored lines
    byte for byte (folding kept); a VTIMEZONE appears once per TZID. The VCALENDAR's
    own lines are the exporter's (one stream, RFC 5545 §3.4, that every client reads)."""
    zones: dict[str | None, RawComponent] = {}
    others: list[RawComponent] = []
    for text in texts:
        for comp in calendar_parts(text)[1]:
            if comp.name == "VTIMEZONE":
                zones.setdefault(comp.prop("TZID"), comp)
            else:
                others.append(comp)
    return (f"BEGIN:VCALENDAR{CRLF}VERSION:2.0{CRLF}PRODID:{PRODID}{CRLF}"
            + "".join(c.raw for c in [*zones.values(), *others]) + f"END:VCALENDAR{CRLF}")

"""Write contacts and events out as CSV, xlsx, vCard and iCalendar.

CSV/xlsx use the plain template's headers, so an export imports back
unchanged.  Multi-valued cells join values with " ::: " (Google's
convention) and prefix a value with its type ("work: ada@example.com");
an address cell is "street; city; region; postal code; country" (a ';'
inside a component becomes ',').  Categories containing commas do not
survive the round trip when a contact has only one category.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from cms_dav.contacts.vcard_lines import CRLF
from cms_dav.io.contact_record import Address, ContactRecord
from cms_dav.io.ics_import import wrap_calendar
from cms_dav.io.ics_parts import Component, split_components
from cms_dav.io.table_rows import MULTI_SEPARATOR, TYPE_WORDS

COLUMNS = ("UID", "Name", "Given name", "Family name", "Organization", "Title", "E-mail",
           "Phone", "Address", "Categories", "Note", "Birthday", "URL", "Interactions")


def _typed(kind: str, value: str) -> str:
    words = [w for w in kind.split(",") if w]
    if words and all(w in TYPE_WORDS or w.startswith("x-") for w in words):
        return f"{kind}: {value}"
    return value


def _address(adr: Address) -> str:
    parts = (adr.street, adr.locality, adr.region, adr.postal_code, adr.country)
    return "; ".join(p.replace(";", ",") for p in parts)


def record_row(record: ContactRecord) -> list[str]:
    join = MULTI_SEPARATOR.join
    return [
        record.uid or "", record.fn, record.given, record.family, record.org, record.title,
        join(_typed(k, v) for k, v in record.emails),
        join(_typed(k, v) for k, v in record.phones),
        join(_typed(k, _address(a)) for k, a in record.addresses),
        join(record.categories), record.note, record.bday, record.url,
        join(record.interactions),
    ]


def export_csv(records: Iterable[ContactRecord]) -> bytes:
    """UTF-8 with BOM and CRLF: what Excel needs to show Chinese and Polish right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(record_row(r) for r in records)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def export_xlsx(records: Iterable[ContactRecord]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet), "a new workbook starts with one worksheet"
    sheet.title = "Contacts"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for record in records:
        sheet.append(record_row(record))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_vcf(texts: Iterable[str]) -> str:
    """Cards back to back, each ending in CRLF."""
    return "".join(t if t.endswith(CRLF) else t.rstrip("\r\n") + CRLF for t in texts)


def export_ics(texts: Iterable[str]) -> str:
    """One VCALENDAR holding every object; a VTIMEZONE appears once per TZID."""
    zones: dict[str | None, Component] = {}
    others = []
    for text in texts:
        for comp in split_components(text)[1]:
            if comp.name == "VTIMEZONE":
                zones.setdefault(comp.prop("TZID"), comp)
            else:
                others.append(comp)
    return wrap_calendar(list(zones.values()) + others)

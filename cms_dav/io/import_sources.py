"""Read an import file of any supported format into uniform candidates.

Each candidate is one card/row/calendar object with the place the user can find
it in the file ("row 7", "card 3"), so every rejection can name its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cms_dav.contacts.field_defs import FieldSet
from cms_dav.io.contact_record import record_to_vcard
from cms_dav.io.csv_import import read_csv
from cms_dav.io.ics_parts import IcsError
from cms_dav.io.table_fields import TableError
from cms_dav.io.vcard_import import split_vcards
from cms_dav.io.xlsx_import import read_xlsx

FORMATS = ("auto", "vcf", "csv", "xlsx", "ics")
_SUFFIXES = {".vcf": "vcf", ".vcard": "vcf", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx",
             ".ics": "ics", ".ical": "ics"}


class SourceError(ValueError):
    """The file as a whole cannot be read (wrong format, no header...)."""


@dataclass
class Candidate:
    """One object of the file: ``text`` (vCard/iCalendar) or the ``error``."""

    number: int      # row number (header = 1) for tables, position for vcf/ics
    label: str       # "row", "card" or "object"
    text: str | None = None
    error: str | None = None


@dataclass
class Source:
    format: str
    tag: str          # the collection tag the objects belong in
    encoding: str
    candidates: list[Candidate]


def detect_format(filename: str, data: bytes) -> str:
    """By file name, else by content: zip means xlsx, BEGIN:V... means vcf/ics."""
    by_suffix = _SUFFIXES.get(Path(filename).suffix.lower())
    if by_suffix:
        return by_suffix
    if data[:2] == b"PK":
        return "xlsx"
    head = data[:4096].decode("utf-8", "ignore").lstrip("\ufeff \r\n\t").upper()
    if head.startswith("BEGIN:VCARD"):
        return "vcf"
    if head.startswith("BEGIN:VCALENDAR"):
        return "ics"
    return "csv"


def expected_count(data: bytes, fmt: str) -> int:
    """About how many contacts a file of format ``fmt`` holds, told before it is read
    (``cms-dav import`` starts its read-ahead workers on it): a CSV's line ends (at
    least its rows: a quoted cell may span lines), a vCard file's ``BEGIN:VCARD``
    lines; 0 when unknown without reading it (xlsx) or not contacts (ics)."""
    if fmt == "csv":
        return data.count(b"\n")
    if fmt == "vcf":
        return data.count(b"BEGIN:VCARD") + data.count(b"begin:vcard")
    return 0


def read_source(data: bytes, fmt: str, *, filename: str = "", preset: str | None = None,
                mapping: dict[str, str] | None = None, default_region: str = "",
                fields: FieldSet | None = None) -> Source:
    if fmt == "auto":
        fmt = detect_format(filename, data)
    if fmt not in FORMATS:
        raise SourceError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    try:
        if fmt in ("csv", "xlsx"):
            reader = read_csv if fmt == "csv" else read_xlsx
            table = reader(data, mapping=mapping, preset=preset,
                           default_region=default_region or None, fields=fields)
            rows = [Candidate(r.row_number, "row",
                              text=record_to_vcard(r.record) if r.record else None,
                              error=r.error) for r in table]
            return Source(fmt, "VADDRESSBOOK", table.encoding, rows)
        if fmt == "vcf":
            cards = [Candidate(c.index, "card", text=c.text, error=c.error)
                     for c in split_vcards(data)]
            return Source(fmt, "VADDRESSBOOK", "", cards)
        from cms_dav.io.ics_import import split_ics  # icalendar: loaded for .ics files only

        objects = [Candidate(o.index, "object", text=o.text, error=o.error)
                   for o in split_ics(data)]
        return Source(fmt, "VCALENDAR", "", objects)
    except (TableError, IcsError, UnicodeError) as exc:
        raise SourceError(str(exc)) from None
    except ValueError as exc:  # DecodeError and friends: still the file's fault
        raise SourceError(str(exc)) from None

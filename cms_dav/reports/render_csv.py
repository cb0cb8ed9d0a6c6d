"""CSV: one block per section, in report order, blocks separated by an empty row.

Each block is::

    section,<key>,<title>,<rows shown>,<rows in total>
    <column>,<column>,...
    <row>...

so a spreadsheet shows it as stacked tables and a script can split on ``section`` rows.
Column keys are the same as in the JSON output. A text cell that a spreadsheet would
run as a formula (starting with ``= + - @``, tab or CR; OWASP "CSV injection") gets a
leading ``'``; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io

from cms_dav.reports.model import Cell, Report

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: Cell) -> Cell:
    """The cell, made inert for spreadsheets when it is text that looks like a formula."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "report", "cms-dav report", 1, 1])
    writer.writerow(["generated_at", "user", "address_books", *report.parameters])
    writer.writerow([report.generated_at, report.user or "(local admin: all books)",
                     " ".join(report.books), *report.parameters.values()])
    for section in report.sections:
        writer.writerow([])
        total = section.total if section.total is not None else len(section.rows)
        writer.writerow(["section", section.key, section.title, len(section.rows), total])
        writer.writerow(section.columns)
        writer.writerows([inert(cell) for cell in row] for row in section.rows)
    return out.getvalue()

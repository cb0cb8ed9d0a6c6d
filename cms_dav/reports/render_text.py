"""Plain-text tables for a terminal (``--format table``, the default)."""

from __future__ import annotations

import io

from cms_dav.reports.model import Report


def render_text(report: Report, width: int = 100) -> str:
    # rich is loaded by the command that prints a table, not by every CLI start
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, width=width, no_color=True, highlight=False, emoji=False,
                      markup=False)
    who = report.user or "local admin (all address books)"
    console.print(f"cms-dav report {report.generated_at} for {who}")
    console.print("address books: " + (" ".join(report.books) or "(none)"))
    for section in report.sections:
        console.print(f"\n{section.title}")
        table = Table()
        for column in section.columns:
            table.add_column(column.replace("_", " "))
        for row in section.rows:
            table.add_row(*(str(cell) for cell in row))
        console.print(table)
        shown = len(section.rows)
        if section.total is not None and section.total > shown:
            console.print(f"  ({shown} of {section.total} shown; raise --limit for more)")
        if section.note:
            console.print(f"  {section.note}")
    return out.getvalue()

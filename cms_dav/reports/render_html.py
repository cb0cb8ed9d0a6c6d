"""One self-contained HTML file: inline CSS, inline SVG charts, no script, no external
reference (no ``src``/``href`` to anything outside the file), UTF-8, a viewport meta and
a layout that reflows on a phone; every table is also there as numbers.

Built with :func:`html.escape` rather than a template engine: the page is a handful of
fixed fragments, and escaping every value at the one place it is inserted (``_cell``,
the chart labels) is easy to audit without a new dependency.
"""

from __future__ import annotations

from html import escape

from cms_dav.reports.model import Cell, Report, Section
from cms_dav.reports.svg import bar_chart, line_chart

_CSS = """
*{box-sizing:border-box}
body{margin:0 auto;max-width:60rem;padding:1rem;line-height:1.4;color:#1d2430;
 font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
 "PingFang SC","Microsoft YaHei",sans-serif}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
nav a{margin-right:.6rem;white-space:nowrap}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;min-width:50%;font-size:.9rem}
th,td{border-bottom:1px solid #d5dae1;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#5a6472;font-size:.85rem}
svg.chart{width:100%;height:auto;max-width:40rem;display:block;margin:.5rem 0}
svg text{font-size:12px;fill:#1d2430}
svg rect{fill:#3b6fb6}svg polyline{stroke:#3b6fb6;stroke-width:2}
svg circle{fill:#3b6fb6}svg .axis{stroke:#9aa3ad}
@media (max-width:40rem){body{padding:.5rem}table{font-size:.8rem}}
"""


def _cell(value: Cell) -> str:
    if isinstance(value, int):
        return f'<td class="n">{value}</td>'
    return f"<td>{escape(value)}</td>"


def _chart(section: Section) -> str:
    if section.chart is None or not section.rows:
        return ""
    points = [(str(row[0]), int(row[section.value_column])) for row in section.rows]
    draw = bar_chart if section.chart == "bar" else line_chart
    return draw(section.title, points)


def _section(section: Section) -> str:
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in section.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in section.rows)
    if not section.rows:
        body = f'<tr><td colspan="{len(section.columns)}">none</td></tr>'
    shown = len(section.rows)
    more = (f'<p class="note">{shown} of {section.total} shown.</p>'
            if section.total is not None and section.total > shown else "")
    note = f'<p class="note">{escape(section.note)}</p>' if section.note else ""
    return (f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>'
            f'{_chart(section)}<div class="scroll"><table data-section="{escape(section.key)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}{note}"
            "</section>")


def render_html(report: Report) -> str:
    who = escape(report.user) if report.user else "local admin (all address books)"
    books = ", ".join(escape(b) for b in report.books) or "none"
    nav = "".join(f'<a href="#{escape(s.key)}">{escape(s.title)}</a>' for s in report.sections)
    params = ", ".join(f"{escape(k)} {escape(str(v))}" for k, v in report.parameters.items())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Contacts report {escape(report.generated_at)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>Contacts report</h1><p>Generated {escape(report.generated_at)} for {who}; "
        f"{report.cards} cards in: {books}.</p><p class=\"note\">{params}</p>"
        f"<nav>{nav}</nav>"
        + "".join(_section(s) for s in report.sections)
        + "</body></html>\n")

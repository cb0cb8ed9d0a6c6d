"""JSON: stable keys; each section's rows are objects keyed by its column keys."""

from __future__ import annotations

import json
from typing import Any

from cms_dav.reports.model import Report


def report_data(report: Report) -> dict[str, Any]:
    return {
        "generated_at": report.generated_at,
        "user": report.user,
        "address_books": list(report.books),
        "cards": report.cards,
        "parameters": dict(report.parameters),
        "sections": {
            s.key: {"title": s.title, "columns": list(s.columns),
                    "rows": [dict(zip(s.columns, row, strict=True)) for row in s.rows],
                    "total": s.total if s.total is not None else len(s.rows),
                    "note": s.note}
            for s in report.sections},
    }


def render_json(report: Report) -> str:
    return json.dumps(report_data(report), ensure_ascii=False, indent=2) + "\n"

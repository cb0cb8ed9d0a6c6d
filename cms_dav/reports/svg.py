"""Inline SVG charts (no script, no external reference): a horizontal bar chart and a
line chart. Every text is escaped; sizes are in viewBox units, so they scale to any
screen width (``width=100%``)."""

from __future__ import annotations

from html import escape
from typing import Sequence

#: bars drawn at most (the table below the chart has every row)
MAX_BARS = 20
_WIDTH = 600


def _label(text: str, limit: int = 28) -> str:
    return escape(text if len(text) <= limit else text[:limit - 1] + "…")


def bar_chart(title: str, points: Sequence[tuple[str, int]]) -> str:
    points = list(points)[:MAX_BARS]
    if not points:
        return ""
    row, label_w = 22, 190
    top = max(max(v for _l, v in points), 1)
    height = row * len(points) + 8
    bars = []
    for i, (label, value) in enumerate(points):
        y = 4 + i * row
        length = round((_WIDTH - label_w - 60) * value / top)
        bars.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_label(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length}" height="{row - 6}" rx="2"/>'
            f'<text x="{label_w + length + 4}" y="{y + 15}">{value}</text>')
    return (f'<svg class="chart bar" viewBox="0 0 {_WIDTH} {height}" role="img" '
            f'aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>{"".join(bars)}</svg>')


def line_chart(title: str, points: Sequence[tuple[str, int]]) -> str:
    points = list(points)
    if not points:
        return ""
    height, left, bottom, top_pad = 220, 40, 30, 12
    inner_w, inner_h = _WIDTH - left - 12, height - bottom - top_pad
    peak = max(max(v for _l, v in points), 1)
    step = inner_w / max(len(points) - 1, 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return round(left + i * step, 1), round(top_pad + inner_h - inner_h * v / peak, 1)

    coords = [xy(i, v) for i, (_l, v) in enumerate(points)]
    line = " ".join(f"{x},{y}" for x, y in coords)
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="3"><title>{escape(label)}: {v}</title>'
                   f'</circle>' for (x, y), (label, v) in zip(coords, points, strict=True))
    base = top_pad + inner_h
    ticks = {0, len(points) - 1, (len(points) - 1) // 2}
    labels = "".join(
        f'<text x="{coords[i][0]}" y="{height - 8}" text-anchor="middle">'
        f'{escape(points[i][0])}</text>' for i in sorted(ticks))
    return (f'<svg class="chart line" viewBox="0 0 {_WIDTH} {height}" role="img" '
            f'aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>'
            f'<line x1="{left}" y1="{base}" x2="{_WIDTH - 12}" y2="{base}" class="axis"/>'
            f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{peak}</text>'
            f'<text x="{left - 6}" y="{base}" text-anchor="end">0</text>'
            f'<polyline points="{line}" fill="none"/>{dots}{labels}</svg>')

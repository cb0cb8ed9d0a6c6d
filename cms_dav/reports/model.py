"""What a report is, independent of how it is rendered: named tables, some charted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Sequence

Cell = str | int
Chart = Literal["bar", "line"] | None


@dataclass(frozen=True)
class Section:
    """One table of the report.

    ``key`` is stable (JSON key, CSV section name); ``columns`` are stable column keys;
    ``chart`` says how the HTML report draws it (first column = label, ``value_column``
    = the number); ``total`` is the full count when ``rows`` were cut to a limit.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]
    chart: Chart = None
    value_column: int = 1
    note: str = ""
    total: int | None = None


@dataclass(frozen=True)
class Report:
    generated_at: str  # ISO 8601 UTC
    user: str | None  # None: local administrator view
    books: tuple[str, ...]  # "/alice/contacts/" ...
    cards: int
    parameters: dict[str, Cell] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)

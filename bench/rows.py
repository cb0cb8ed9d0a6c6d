"""Result rows: one measured quantity per row, one value per server, and the ratios."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

RADICALE = "radicale"


@dataclass
class Row:
    key: str
    label: str
    #: "s" (seconds) or "bytes"
    unit: str
    values: dict[str, float | None] = field(default_factory=dict)
    #: per server: why there is no value, or what to know about it
    notes: dict[str, str] = field(default_factory=dict)
    #: per capped server: the value is known to be at least this (the time spent)
    at_least: dict[str, float] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)
    #: per server: the reference server's CPU share just before each of its timed steps
    reference_cpu: dict[str, list[float]] = field(default_factory=dict)
    #: per server: its own CPU share just before each timed step (background work)
    busy_before: dict[str, list[float]] = field(default_factory=dict)
    #: per server and timed step: its CPU seconds, and its threads' run-queue wait
    cpu: dict[str, list[float]] = field(default_factory=dict)
    runq_wait: dict[str, list[float]] = field(default_factory=dict)
    #: per server: the untimed warm-up samples before the repeats (not in the value)
    warmup: dict[str, list[float]] = field(default_factory=dict)

    def ratio(self, server: str) -> tuple[float | None, bool]:
        """Radicale / ``server``; the bool says it is only a lower bound (Radicale capped)."""
        mine = self.values.get(server)
        if not mine:
            return None, False
        theirs = self.values.get(RADICALE)
        if theirs is not None:
            return theirs / mine, False
        if RADICALE in self.at_least:
            return self.at_least[RADICALE] / mine, True
        return None, False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "Row":
        """The inverse of :meth:`to_json`."""
        return cls(key=raw["key"], label=raw["label"], unit=raw["unit"],
                   values=dict(raw.get("values", {})), notes=dict(raw.get("notes", {})),
                   at_least=dict(raw.get("at_least", {})),
                   samples={k: list(v) for k, v in raw.get("samples", {}).items()},
                   reference_cpu={k: list(v)
                                  for k, v in raw.get("reference_cpu", {}).items()},
                   busy_before={k: list(v) for k, v in raw.get("busy_before", {}).items()},
                   cpu={k: list(v) for k, v in raw.get("cpu", {}).items()},
                   runq_wait={k: list(v) for k, v in raw.get("runq_wait", {}).items()},
                   warmup={k: list(v) for k, v in raw.get("warmup", {}).items()})

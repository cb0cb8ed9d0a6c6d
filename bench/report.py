"""Markdown and JSON output: one pair of files per size plus ``latest.md/json``."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import targets
from bench.rows import RADICALE, Row


@dataclass
class SizeResult:
    size: int
    timestamp: str
    servers: dict[str, str]
    settings: dict[str, Any]
    machine: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the ``python -m bench ...`` command line of the run ("" when not recorded)
    command: str = ""

    @property
    def cms_servers(self) -> list[str]:
        return [key for key in self.servers if key.startswith("cms_dav")]

    def by_key(self) -> dict[str, Row]:
        return {row.key: row for row in self.rows}

    def to_json(self) -> dict[str, Any]:
        """Everything :meth:`from_json` reads back, plus the derived "targets" (for readers)."""
        raw: dict[str, Any] = {
            "size": self.size, "timestamp": self.timestamp, "servers": self.servers,
            "settings": self.settings, "machine": self.machine, "notes": self.notes,
            "rows": [row.to_json() for row in self.rows]}
        if self.command:  # absent from files written before it was recorded
            raw["command"] = self.command
        raw["targets"] = [{"row": t.row, "target": t.text, "kind": t.kind,
                           "status": {s: targets.check(t, self.by_key(), s, self.size)
                                      for s in self.cms_servers}}
                          for t in targets.TARGETS if t.kind != "flat"]
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "SizeResult":
        """The inverse of :meth:`to_json`; "targets" is derived from the rows and ignored."""
        return cls(size=int(raw["size"]), timestamp=raw["timestamp"],
                   servers=dict(raw["servers"]), settings=dict(raw["settings"]),
                   machine=dict(raw["machine"]),
                   rows=[Row.from_json(row) for row in raw["rows"]],
                   notes=list(raw.get("notes", [])), command=raw.get("command", ""))


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "bytes":
        return f"{value / targets.MB:,.1f} MB"
    if value < 1:
        return f"{value * 1000:,.1f} ms"
    return f"{value:,.2f} s"


def _cell(row: Row, server: str) -> str:
    value = row.values.get(server)
    note = row.notes.get(server, "")
    if value is None:
        return note or "—"
    return fmt_value(value, row.unit) + (" ⚑" if note else "")


def _ratio_cell(row: Row, server: str) -> str:
    ratio, lower_bound = row.ratio(server)
    if ratio is None:
        return "—"
    return f"{'≥' if lower_bound else ''}{ratio:,.1f}×"


def _met_cell(result: SizeResult, row: Row, rows: dict[str, Row]) -> tuple[str, str]:
    wanted = targets.row_targets(row.key)
    if not wanted:
        return "", ""
    texts, statuses = [], []
    for target in wanted:
        texts.append(target.text)
        per_server = [targets.check(target, rows, s, result.size)
                      for s in result.cms_servers]
        if len(result.cms_servers) == 1:
            statuses.append(per_server[0])
        else:
            statuses.append(", ".join(f"{s.removeprefix('cms_dav_') or 'sqlite'}: {st}"
                                      for s, st in zip(result.cms_servers, per_server,
                                                       strict=True)))
    return "; ".join(texts), "; ".join(statuses)


def size_markdown(result: SizeResult) -> str:
    rows = result.by_key()
    head = ["Operation", result.servers[RADICALE]]
    for server in result.cms_servers:
        head += [result.servers[server], f"Radicale/{result.servers[server]}"]
    head += ["Target", "Met at this size"]
    lines = [f"### {result.size:,} contacts ({result.timestamp})", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in result.rows:
        cells = [row.label, _cell(row, RADICALE)]
        for server in result.cms_servers:
            cells += [_cell(row, server), _ratio_cell(row, server)]
        cells += list(_met_cell(result, row, rows))
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {row.label} / {result.servers.get(server, server)}: {note}"
             for row in result.rows for server, note in row.notes.items()
             if note and row.values.get(server) is not None]
    notes += [f"- {note}" for note in result.notes]
    idle = _reference_idle_note(result)
    if idle:
        notes.append(f"- {idle}")
    notes += [f"- {note}" for note in _load_notes(result)]
    settings = ", ".join(f"{k} = {v}" for k, v in result.settings.items())
    machine = ", ".join(f"{k} = {v}" for k, v in result.machine.items())
    lines += ["", f"Settings: {settings}. Machine: {machine}."]
    if notes:
        lines += ["", "Notes (⚑):", *notes]
    return "\n".join(lines) + "\n"


def _reference_idle_note(result: SizeResult) -> str:
    """How idle the reference server was right before the timed steps (recorded since
    the benchmark waits for it after a capped step; older runs have no figures)."""
    shares = [share for row in result.rows for values in row.reference_cpu.values()
              for share in values]
    if not shares:
        return ""
    busiest = max(shares)
    return (f"{result.servers.get(RADICALE, RADICALE)} CPU just before each of the "
            f"{len(shares)} timed steps (after waiting until idle, restarting it after "
            f"every capped step): median {statistics.median(shares):.0%}, "
            f"max {busiest:.0%} of a core")


def _load_notes(result: SizeResult) -> list[str]:
    """Per server: the share of the timed steps' wall time its threads spent waiting
    for a core (the machine's other work) and computing, median over the operations
    (recorded since the benchmark reads /proc schedstat; older runs have none). A short
    request's wall time on a loaded machine is mostly the wait."""
    notes = []
    for server, label in result.servers.items():
        waits, cpus = [], []
        for row in result.rows:
            wall = sum(row.samples.get(server) or [])
            if row.key.endswith("_p95") or not wall or not row.cpu.get(server):
                continue
            waits.append(sum(row.runq_wait.get(server) or []) / wall)
            cpus.append(sum(row.cpu[server]) / wall)
        if waits:
            notes.append(f"{label}: during the timed steps its threads' wait for a core "
                         f"came to {statistics.median(waits):.0%} and their CPU time to "
                         f"{statistics.median(cpus):.0%} of the wall time (median over "
                         f"{len(waits)} operations; summed over threads, /proc schedstat)")
    return notes


def summary_rows(results: list[SizeResult]) -> list[dict[str, Any]]:
    """Every issue target, judged at the size the issue names (or the largest run)."""
    by_size = {r.size: r.by_key() for r in results}
    servers = results[-1].cms_servers if results else []
    out = []
    for target in targets.TARGETS:
        for server in servers:
            if target.kind == "flat":
                status, detail = targets.check_flat(target, by_size, server)
            else:
                size = target.size if target.size in by_size else max(by_size)
                status = targets.check(target, by_size[size], server, size)
                row = by_size[size].get(target.row)
                detail = f"at {size:,}"
                if row is not None and target.kind == "ratio":
                    ratio, lower = row.ratio(server)
                    detail += f": {'≥' if lower else ''}{ratio:,.1f}×" if ratio else ""
                elif row is not None:
                    detail += f": {fmt_value(row.values.get(server), row.unit)}"
                    floor = by_size[size].get("multiget_floor")
                    value = row.values.get(server)
                    if target.kind == "rate" and value:
                        unit = "rows" if target.row == "cli_import" else "cards"
                        detail += f" ({size / value:,.0f} {unit}/s)"
                    if target.kind == "floor" and floor and floor.values.get(server):
                        detail += f" vs {fmt_value(floor.values[server], 's')} from memory"
                if target.size is not None and target.size != size:
                    detail += f" ({status})"
                    status = f"not run at {target.size:,}"
            label = results[-1].by_key().get(target.row)
            out.append({"row": target.row, "label": label.label if label else target.row,
                        "server": server, "target": target.text, "status": status,
                        "detail": detail})
    return out


def summary_markdown(results: list[SizeResult]) -> str:
    servers = results[-1].servers if results else {}
    lines = ["## Targets (issues 6 and 19)", "",
             "| Operation | Server | Target | Status | Measured |", "|---|---|---|---|---|"]
    for item in summary_rows(results):
        lines.append(f"| {item['label']} | {servers.get(item['server'], item['server'])} | "
                     f"{item['target']} | {item['status']} | {item['detail']} |")
    return "\n".join(lines) + "\n"


def write(results: list[SizeResult], out_dir: Path, command: str,
          per_size: bool = True) -> list[Path]:
    """Per-size files (unless ``per_size`` is false, as for ``--combine``, which reads
    them) and the combined latest.md/latest.json; returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results if per_size else []:
        stem = f"{result.size}-{result.timestamp.replace(':', '')}"
        md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
        md.write_text(f"# cms_dav vs Radicale 3.9\n\n{size_markdown(result)}", encoding="utf-8")
        js.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n",
                      encoding="utf-8")
        written += [md, js]
    body = ["# cms_dav vs stock Radicale 3.9", "", f"Command: `{command}`", ""]
    if any(result.command != command for result in results):
        body += ["Runs:", ""]
        body += [f"- {result.size:,} contacts ({result.timestamp}): "
                 + (f"`{result.command}`" if result.command
                    else "command not recorded (see its Settings line)")
                 for result in results]
        body += [""]
    body += ["Times are medians over the repeats (latencies: percentiles over all samples), "
             "whole-collection operations after the untimed warm-ups the Settings line "
             "gives (since round nine: 1); "
             "ratio = Radicale time / cms_dav time, so higher is better for cms_dav. "
             "\"capped\": Radicale did not finish within the time cap (≥: lower bound).", "",
             summary_markdown(results), "## Results", ""]
    body += [size_markdown(result) for result in results]
    latest_md, latest_json = out_dir / "latest.md", out_dir / "latest.json"
    latest_md.write_text("\n".join(body), encoding="utf-8")
    latest_json.write_text(json.dumps({"command": command, "summary": summary_rows(results),
                                       "runs": [r.to_json() for r in results]},
                                      ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return written + [latest_md, latest_json]

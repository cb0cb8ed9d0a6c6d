"""The targets of issues 6 and 19, computed from the numbers (never typed in by hand).

Ratios are Radicale time / cms_dav time measured in the same run. Each target names
the size the issue states it for; per-size tables also show how that size fares.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.rows import Row

MB = 1024 * 1024
MET, NOT_MET, UNKNOWN = "met", "not met", "unknown"


@dataclass(frozen=True)
class Target:
    row: str
    #: "ratio": Radicale/cms_dav >= threshold; "max": cms_dav value < threshold;
    #: "rate": the size's cards per second of the cms_dav time >= threshold;
    #: "floor": cms_dav <= threshold x the bytes-from-memory row; "flat": largest size
    #: within threshold x smallest size
    kind: str
    threshold: float
    #: the size the issue states the target for (None: every size)
    size: int | None
    text: str


TARGETS = [
    Target("propfind_d1", "ratio", 10, 10_000, "≥10× Radicale at 10k"),
    Target("sync_initial", "ratio", 10, 10_000, "≥10× Radicale at 10k"),
    Target("query_fn", "ratio", 10, 10_000, "≥10× Radicale at 10k"),
    Target("query_email", "ratio", 10, 10_000, "≥10× Radicale at 10k"),
    Target("put_p50", "ratio", 10, 10_000, "≥10× Radicale at 10k"),
    Target("sync_incremental", "ratio", 50, 10_000, "≥50× Radicale at 10k"),
    Target("sync_unchanged", "ratio", 50, 10_000, "≥50× Radicale at 10k"),
    Target("sync_incremental", "flat", 1.5, None, "flat: 100k ≤ 1.5× 1k"),
    Target("sync_unchanged", "flat", 1.5, None, "flat: 100k ≤ 1.5× 1k"),
    Target("get_p95", "max", 0.020, 100_000, "< 20 ms at 100k"),
    Target("put_p95", "max", 0.020, 100_000, "< 20 ms at 100k"),
    Target("peak_memory", "max", 200 * MB, 100_000, "< 200 MB at 100k"),
    Target("multiget_all", "floor", 3, None, "≤ 3× bytes from memory"),
    # issue 19 (the targets this round touched)
    Target("get_p50", "ratio", 1.0, 10_000, "issue 19: ≥1× Radicale at 10k"),
    Target("get_p95", "ratio", 1.0, 10_000, "issue 19: ≥1× Radicale at 10k"),
    Target("get_p50", "ratio", 1.0, 100_000, "issue 19: ≥1× Radicale at 100k"),
    Target("get_p95", "ratio", 1.0, 100_000, "issue 19: ≥1× Radicale at 100k"),
    Target("substring_fn", "max", 0.200, 100_000, "issue 19: < 200 ms at 100k"),
    Target("substring_n", "max", 0.200, 100_000, "issue 19: < 200 ms at 100k"),
    Target("substring_org", "max", 0.200, 100_000, "issue 19: < 200 ms at 100k"),
    Target("substring_email", "max", 0.200, 100_000, "issue 19: < 200 ms at 100k"),
    Target("calendar_rec_month", "ratio", 10, 10_000, "issue 19: ≥10× Radicale at 10k events"),
    Target("calendar_rec_week", "ratio", 10, 10_000, "issue 19: ≥10× Radicale at 10k events"),
    Target("bulk_put_4", "ratio", 10, 10_000, "issue 19: ≥10× Radicale's rate at 10k"),
    Target("bulk_put_4", "rate", 400, 10_000, "issue 19: ≥400 cards/s at 10k"),
    Target("bulk_put_4_w2", "rate", 400, 10_000,
           "issue 19: ≥400 cards/s at 10k with serve --workers 2"),
    Target("put_p50", "max", 0.004, 10_000, "issue 19: ≤ 4 ms into a full 10k book"),
    Target("peak_memory", "max", 150 * MB, 100_000, "issue 19: < 150 MB at 100k"),
    Target("multiget_all", "floor", 5, 100_000, "issue 19: ≤ 5× bytes from memory at 100k"),
    # the CSV has as many rows as the size, so "rate" is rows per second
    Target("cli_import", "rate", 1000, 10_000, "issue 19: ≥1,000 rows/s at 10k"),
    Target("cli_search", "max", 0.300, 10_000, "issue 19: < 300 ms at 10k"),
    # the WAL is its own row ("disk_wal"), not part of "disk"
    Target("disk", "ratio", 1.0, None, "issue 19: under Radicale's at every size"),
]


def check(target: Target, rows: dict[str, Row], server: str, size: int) -> str:
    """met / not met / unknown for the rows of one ``size`` (not for "flat")."""
    row = rows.get(target.row)
    if row is None or row.values.get(server) is None:
        return UNKNOWN
    value = row.values[server]
    assert value is not None
    if target.kind == "ratio":
        ratio, lower_bound = row.ratio(server)
        if ratio is None:
            return UNKNOWN
        if ratio >= target.threshold:
            return MET
        return UNKNOWN if lower_bound else NOT_MET
    if target.kind == "max":
        return MET if value < target.threshold else NOT_MET
    if target.kind == "rate":  # a time for all ``size`` cards (it was once "< 25 s" at
        # any size, which called 46 cards/s at 1k "met")
        return MET if value > 0 and size / value >= target.threshold else NOT_MET
    if target.kind == "floor":
        floor = rows.get("multiget_floor")
        base = floor.values.get(server) if floor else None
        if not base:
            return UNKNOWN
        return MET if value <= target.threshold * base else NOT_MET
    raise ValueError(f"check() does not handle {target.kind!r} targets")


def check_flat(target: Target, by_size: dict[int, dict[str, Row]],
               server: str) -> tuple[str, str]:
    """Compare the largest size run with the smallest (ideally 100k vs 1k)."""
    sizes = sorted(size for size, rows in by_size.items()
                   if target.row in rows and rows[target.row].values.get(server))
    if len(sizes) < 2:
        return UNKNOWN, "needs two sizes"
    small, large = sizes[0], sizes[-1]
    small_value = by_size[small][target.row].values[server]
    large_value = by_size[large][target.row].values[server]
    assert small_value and large_value is not None
    factor = large_value / small_value
    status = MET if factor <= target.threshold else NOT_MET
    detail = f"{large:,}: {factor:.2f}× the {small:,} figure"
    if (small, large) != (1_000, 100_000):
        detail += " (issue compares 100k with 1k)"
    return status, detail


def row_targets(row_key: str) -> list[Target]:
    return [t for t in TARGETS if t.row == row_key and t.kind != "flat"]

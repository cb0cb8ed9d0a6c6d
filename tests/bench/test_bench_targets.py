"""The bench's met / not met come from the numbers, scaled to the size they were run at."""

from __future__ import annotations

from bench import targets
from bench.rows import Row

BULK_RATE = next(t for t in targets.TARGETS if t.row == "bulk_put_4" and t.kind == "rate")


def bulk(seconds: float) -> dict[str, Row]:
    row = Row("bulk_put_4", "bulk PUT of all cards, 4 clients", "s")
    row.values["cms_dav"] = seconds
    return {"bulk_put_4": row}


def test_the_bulk_rate_target_was_met_at_1k_by_a_time_under_25_s_regression() -> None:
    # 1,000 cards in 21.8 s is 46 cards/s, not the 400 the issue asks for
    assert targets.check(BULK_RATE, bulk(21.8), "cms_dav", 1_000) == targets.NOT_MET


def test_the_bulk_rate_target_is_met_at_400_cards_a_second_at_any_size() -> None:
    assert targets.check(BULK_RATE, bulk(2.4), "cms_dav", 1_000) == targets.MET
    assert targets.check(BULK_RATE, bulk(24.0), "cms_dav", 10_000) == targets.MET
    assert targets.check(BULK_RATE, bulk(26.0), "cms_dav", 10_000) == targets.NOT_MET


IMPORT_RATE = next(t for t in targets.TARGETS if t.row == "cli_import")
MULTIGET_5X = next(t for t in targets.TARGETS
                   if t.row == "multiget_all" and t.threshold == 5)


def one_row(key: str, seconds: float) -> dict[str, Row]:
    row = Row(key, key, "s")
    row.values["cms_dav"] = seconds
    return {key: row}


def test_the_import_target_counts_rows_per_second_of_the_size() -> None:
    # 10,000 rows in 13.8 s is 723 rows/s; in 9.9 s it is 1,010
    assert targets.check(IMPORT_RATE, one_row("cli_import", 13.8), "cms_dav", 10_000) \
        == targets.NOT_MET
    assert targets.check(IMPORT_RATE, one_row("cli_import", 9.9), "cms_dav", 10_000) \
        == targets.MET


def test_the_issue_19_multiget_target_allows_five_times_the_bytes_from_memory() -> None:
    rows = one_row("multiget_all", 0.55) | one_row("multiget_floor", 0.1138)
    assert targets.check(MULTIGET_5X, rows, "cms_dav", 100_000) == targets.MET
    rows = one_row("multiget_all", 1.63) | one_row("multiget_floor", 0.1138)
    assert targets.check(MULTIGET_5X, rows, "cms_dav", 100_000) == targets.NOT_MET

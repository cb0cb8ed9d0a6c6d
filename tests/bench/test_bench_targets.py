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

"""The month axis of the line charts (pure)."""

from __future__ import annotations

from cms_dav.reports.counts import months_between


def test_months_without_data_are_rows_too():
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_a_note_dated_in_the_year_1000_draws_only_the_newest_months():
    months = months_between("1000-01", "2026-12", most=240)
    assert (len(months), months[0], months[-1]) == (240, "2007-01", "2026-12")

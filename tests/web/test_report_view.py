"""The report's cells in the reader's language: numbers and dates by CLDR (Babel)."""

from __future__ import annotations

from cms_dav.reports.model import Report, Section
from cms_dav.web.i18n import load_languages
from cms_dav.web.report_view import shown_sections

LANGUAGES = load_languages()


def _report() -> Report:
    return Report(generated_at="2026-01-01T00:00:00Z", user="alice", books=(), cards=0,
                  parameters={"days": 30, "ahead": 7},
                  sections=[Section("follow_ups_due", "x", ("due", "name"),
                                    [("2026-03-04", "Ewa")]),
                            Section("summary", "Summary", ("measure", "count"),
                                    [("cards", 1234567)], chart="bar")])


def test_numbers_are_grouped_as_the_locale_writes_them() -> None:
    summary = shown_sections(_report(), LANGUAGES["pl"])[1]
    assert summary.rows[0] == [("karty", False), ("1\xa0234\xa0567", True)]
    english = shown_sections(_report(), LANGUAGES["en"])[1]
    assert english.rows[0][1] == ("1,234,567", True)


def test_iso_dates_are_written_in_the_locale() -> None:
    due = shown_sections(_report(), LANGUAGES["zh-CN"])[0]
    assert due.rows[0][0] == ("2026年3月4日", False)
    assert due.title == "未来 7 天内到期的跟进"


def test_a_chart_is_svg_with_the_translated_title() -> None:
    summary = shown_sections(_report(), LANGUAGES["pl"])[1]
    assert summary.chart.startswith('<svg class="chart bar"')
    assert 'aria-label="Podsumowanie"' in summary.chart

"""Regression (issue 10): a CSV row with more fields than the header was imported
silently with its extra values dropped."""

from __future__ import annotations

from cms_dav.io.csv_import import read_csv


def test_csv_row_with_more_fields_than_the_header_is_refused_by_row_number() -> None:
    data = ("Name,Email,Phone\r\nAda Lovelace,ada@example.com,+48600100200\r\n"
            "Alan Turing,alan@example.com,+48600100201,unexpected,values\r\n").encode()
    results = list(read_csv(data))
    assert results[0].record is not None
    assert results[1].record is None and results[1].row_number == 3
    assert "row 3 has 5 fields but the header has 3 columns" in (results[1].error or "")


def test_trailing_empty_fields_beyond_the_header_are_harmless() -> None:
    data = "Name,Email\r\nAda Lovelace,ada@example.com,,\r\n".encode()
    assert list(read_csv(data))[0].record is not None

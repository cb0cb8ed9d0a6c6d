"""The interaction format's date-times and dates are read exactly as ``strptime`` reads
them (the same value, or ValueError where it raises one), canonical texts by position
and every other text by ``strptime`` itself (issue 19, putpath)."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone
from itertools import product
from typing import Callable

from cms_dav.contacts.stamps import DAY_FORMAT, STAMP_FORMAT, basic_day, utc_stamp


def _strptime_stamp(text: str) -> datetime | type[ValueError]:
    try:
        return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return ValueError


def _strptime_day(text: str) -> date | type[ValueError]:
    try:
        return datetime.strptime(text, DAY_FORMAT).date()
    except ValueError:
        return ValueError


def _ours(read: Callable[[str], object], text: str) -> object:
    try:
        return read(text)
    except ValueError:
        return ValueError


def _two(values: range) -> list[str]:
    return [f"{value:02d}" for value in values]


YEARS = ["0000", "0001", "1900", "2000", "2024", "2026", "9999"]


def test_every_canonical_day_around_the_valid_ranges_reads_as_strptime() -> None:
    for year, month, day in product(YEARS, _two(range(14)), _two(range(33))):
        text = f"{year}{month}{day}"
        assert _ours(basic_day, text) == _strptime_day(text), text


def test_canonical_stamps_around_the_valid_ranges_read_as_strptime() -> None:
    for year, month, day, hour, minute, second in product(
            ["0000", "2024", "2026"], _two(range(14)), ["00", "01", "28", "29", "30", "31", "32"],
            ["00", "09", "23", "24", "29"], ["00", "59", "60"], ["00", "59", "60", "61", "62"]):
        text = f"{year}{month}{day}T{hour}{minute}{second}Z"
        assert _ours(utc_stamp, text) == _strptime_stamp(text), text


def test_random_canonical_stamps_read_as_strptime() -> None:
    rng = random.Random(19)
    for _ in range(20000):
        digits = "".join(rng.choice("0123456789") for _ in range(14))
        text = f"{digits[:8]}T{digits[8:]}Z"
        assert _ours(utc_stamp, text) == _strptime_stamp(text), text


def test_texts_off_the_canonical_shape_read_as_strptime_reads_them() -> None:
    stamps = ["20261203t101010z", "20261203T101010z", "2026123T1010Z", "20261203T1010Z",
              "20261203 T101010Z", " 20261203T101010Z", "20261203T101010Z ",
              "\u0662\u0660\u0662\u0666" "1203T101010Z", "20261203T101010", "", "T Z",
              "202612031T01010Z", "20261203T101010Z/x"]
    for text in stamps:
        assert _ours(utc_stamp, text) == _strptime_stamp(text), text
    days = ["2026123", "202612", "2026 1203", "20261203 ", "2026120a", "\u0662\u0660\u0662\u0666"
            "1203", "", "202613", "2026131"]
    for text in days:
        assert _ours(basic_day, text) == _strptime_day(text), text

"""``[birthdays] alarms`` / ``[follow_ups] alarms`` parsing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms_dav.calendars.alarm_offsets import parse_alarms


def test_the_default_is_nine_on_the_day_and_nine_the_day_before():
    assert parse_alarms("09:00, -1d 09:00") == (timedelta(hours=9), timedelta(hours=-15))


def test_empty_text_means_no_alarm():
    assert parse_alarms("") == ()


@pytest.mark.parametrize("text", ["nine", "25:00", "09:60", "-1d"])
def test_a_bad_alarm_is_refused_naming_it(text):
    with pytest.raises(ValueError, match="alarm"):
        parse_alarms(text)

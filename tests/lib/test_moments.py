"""The evidence's moments ("05 Dec 2026 14:03 UTC"): what strftime wrote before, in UTC always."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lib.moments import utc_day_minute, utc_minute_text, utc_stamp


@pytest.mark.parametrize("month", range(1, 13))
def test_each_month_reads_as_strftime_writes_it_in_the_c_locale(month: int) -> None:
    moment = datetime(2026, month, 3, 7, 5, 59, 999_999, tzinfo=UTC)
    assert utc_minute_text(moment) == moment.strftime("%d %b %Y %H:%M") + " UTC"


def test_days_hours_and_minutes_keep_two_digits() -> None:
    assert utc_minute_text(datetime(1999, 12, 31, 23, 59, tzinfo=UTC)) == "31 Dec 1999 23:59 UTC"
    assert utc_minute_text(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "01 Jan 2026 00:00 UTC"


def test_a_time_given_in_another_zone_is_written_in_utc() -> None:
    paris = datetime(2026, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))  # 22:30 UTC the day before
    offset = datetime(2026, 3, 1, 1, 15, tzinfo=timezone(timedelta(hours=-3)))
    assert utc_minute_text(paris) == "30 Jun 2026 22:30 UTC"
    assert utc_minute_text(offset) == "01 Mar 2026 04:15 UTC"
    assert utc_minute_text(datetime(2026, 3, 1, 4, 15, tzinfo=ZoneInfo("UTC"))) == (
        "01 Mar 2026 04:15 UTC"
    )


def test_the_short_label_form_is_the_same_moment_in_utc_without_the_year() -> None:
    paris = datetime(2026, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert utc_day_minute(paris) == "30 Jun 22:30"
    moment = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
    assert utc_day_minute(moment) == moment.strftime("%d %b %H:%M")


def test_the_key_form_names_the_instant_whatever_its_offset() -> None:
    moment = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
    assert utc_stamp(moment) == moment.strftime("%Y%m%dT%H%M") == "20260203T0405"
    paris = moment.astimezone(ZoneInfo("Europe/Paris"))
    assert utc_stamp(paris) == "20260203T0405"

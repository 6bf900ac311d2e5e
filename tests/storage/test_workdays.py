"""Working days: weekends and Vietnamese public holidays do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage import workdays
from storage.errors import InvalidInput


def test_weekend_is_skipped() -> None:
    friday = date(2026, 11, 27)
    assert workdays.add_working_days(friday, 1) == date(2026, 11, 30)
    assert workdays.add_working_days(friday, 5) == date(2026, 12, 4)
    assert workdays.working_days_between(friday, date(2026, 11, 30)) == 1


def test_tet_and_national_day_are_skipped() -> None:
    # Tết Bính Ngọ: 16-20/02/2026 are days off.
    assert not workdays.is_working_day(date(2026, 2, 17))
    assert workdays.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    # Quốc khánh 2/9/2026 (Wednesday) with 1/9 beside it.
    assert workdays.holiday_name(date(2026, 9, 2)) == "Quốc khánh"
    assert workdays.add_working_days(date(2026, 8, 28), 3) > date(2026, 9, 2)


def test_between_counts_backwards_too() -> None:
    monday, next_monday = date(2026, 11, 30), date(2026, 12, 7)
    assert workdays.working_days_between(monday, next_monday) == 5
    assert workdays.working_days_between(next_monday, monday) == -5
    assert workdays.working_days_between(monday, monday) == 0


def test_urgency_days_and_unit_defaults() -> None:
    assert workdays.days_for(workdays.URGENT, None) == 3
    assert workdays.days_for(workdays.URGENT, {"urgent": 2}) == 2
    assert workdays.days_for(workdays.NORMAL, {"normal": "x"}) == 10
    assert workdays.check_days({"normal": "15", "urgent": ""}) == {"normal": 15}
    with pytest.raises(InvalidInput):
        workdays.check_days({"urgent": "0"})
    with pytest.raises(InvalidInput):
        workdays.check_urgency("gấp lắm")
    assert workdays.check_urgency("") == workdays.NORMAL


def test_today_is_the_offices_date() -> None:
    # 18:30 UTC is already the next day in Việt Nam.
    assert workdays.today(datetime(2026, 12, 1, 18, 30, tzinfo=UTC)) == date(2026, 12, 2)

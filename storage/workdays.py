"""Working-day deadlines: weekends and Vietnamese public holidays (the `holidays` library) do not count.

An agency gets a number of working days per urgency level; a unit may set its own numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from storage.errors import InvalidInput

NORMAL = "normal"
URGENT = "urgent"
VERY_URGENT = "very_urgent"
URGENCIES: tuple[str, ...] = (NORMAL, URGENT, VERY_URGENT)
URGENCY_LABELS: dict[str, str] = {NORMAL: "Thường", URGENT: "Khẩn", VERY_URGENT: "Hỏa tốc"}
# Working days per level when the unit sets none.
DEFAULT_DAYS: dict[str, int] = {NORMAL: 10, URGENT: 3, VERY_URGENT: 1}
MAX_DAYS = 250
# Deadlines are dates of the offices' own calendar.
OFFICE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def today(now: datetime | None = None) -> date:
    """The office's date now (or at `now`)."""
    return (now or datetime.now(UTC)).astimezone(OFFICE_TZ).date()


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    # Observed days off ("nghỉ bù") are included, as offices are closed on them too.
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def holiday_name(day: date) -> str | None:
    names = holidays.country_holidays("VN", years=day.year, language="vi")
    name = names.get(day)
    return str(name) if name else None


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    day = start
    left = max(0, days)
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign > 0 else (end, start)
    count = 0
    day = lo
    while day < hi:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return sign * count


def label(urgency: str | None) -> str:
    return URGENCY_LABELS.get(urgency or NORMAL, urgency or "")


def check_urgency(value: str | None) -> str:
    value = (value or NORMAL).strip() or NORMAL
    if value not in URGENCIES:
        raise InvalidInput(f"Mức độ khẩn «{value}» không hợp lệ; chọn: thường, khẩn hoặc hỏa tốc.",
                           code="bad_urgency")
    return value


def days_for(urgency: str, unit_days: Mapping[str, Any] | None) -> int:
    """Working days for an urgency level: the unit's own number, else the default."""
    value = (unit_days or {}).get(urgency)
    return int(value) if isinstance(value, int) and 0 < value <= MAX_DAYS else DEFAULT_DAYS[urgency]


def check_days(values: Mapping[str, str]) -> dict[str, int]:
    """Per-level numbers typed in a form: whole working days between 1 and MAX_DAYS."""
    out: dict[str, int] = {}
    for level in URGENCIES:
        raw = (values.get(level) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 0 < int(raw) <= MAX_DAYS:
            raise InvalidInput(f"Số ngày làm việc cho mức «{label(level)}» cần là số từ 1 đến {MAX_DAYS}.",
                               code="bad_deadline_days")
        out[level] = int(raw)
    return out

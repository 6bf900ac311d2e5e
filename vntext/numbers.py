"""Vietnamese number and date style: 176.386, 99,94%, 24/11/2026."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by (shown as "–")."""
    return None if denominator == 0 else numerator / denominator


def vn_rate(value: float | None, digits: int = 2) -> str:
    """A ratio (0.9994) as a Vietnamese percentage ("99,94%"); None as "–"."""
    if value is None:
        return "–"
    return f"{100 * value:.{digits}f}".replace(".", ",") + "%"


def vn_pct(numerator: int, denominator: int, digits: int = 2) -> str:
    return vn_rate(ratio(numerator, denominator), digits)


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return local(value).strftime("%H:%M %d/%m/%Y")


def local(value: datetime) -> datetime:
    """The time in Vietnam; a naive value is taken as UTC (SQLite hands them back so)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ)

"""Vietnamese number and date style: 176.386, 99,94%, 24/11/2026."""

from __future__ import annotations

from datetime import date, datetime

from storage.clock import LOCAL_TZ, aware

__all__ = ["LOCAL_TZ", "local", "vn_date", "vn_datetime", "vn_int", "vn_pct"]


def vn_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def vn_pct(numerator: int, denominator: int, digits: int = 2) -> str:
    if denominator == 0:
        return "–"
    return f"{100 * numerator / denominator:.{digits}f}".replace(".", ",") + "%"


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
    return aware(value).astimezone(LOCAL_TZ)

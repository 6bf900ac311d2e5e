"""Parsing form values into typed values, with Vietnamese messages for bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

from storage.clock import LOCAL_TZ, parse_datetime
from storage.errors import InvalidInput

T = TypeVar("T")


def _optional(value: str | None, parse: Callable[[str], T], message: str, code: str) -> T | None:
    """None for an empty field, else `parse(value)`; a value it refuses is InvalidInput(`message`)."""
    if value is None or not value.strip():
        return None
    try:
        return parse(value.strip())
    except ValueError:
        raise InvalidInput(message, code=code) from None


def opt_int(value: str | None, label: str) -> int | None:
    return _optional(value, int, f"«{label}» phải là một số.", "bad_number")


def req_int(value: str | None, label: str) -> int:
    parsed = opt_int(value, label)
    if parsed is None:
        raise InvalidInput(f"Chưa nhập «{label}».", code="missing")
    return parsed


def opt_date(value: str | None, label: str) -> date | None:
    return _optional(value, lambda v: parse_datetime(v).date(), f"«{label}» không đúng dạng ngày (dd/mm/yyyy).",
                     "bad_date")


def opt_datetime(value: str | None, label: str) -> datetime | None:
    return _optional(value, parse_datetime, f"«{label}» không đúng dạng ngày giờ (dd/mm/yyyy hh:mm).",
                     "bad_datetime")


def req_datetime(value: str | None, label: str) -> datetime:
    parsed = opt_datetime(value, label)
    if parsed is None:
        raise InvalidInput(f"Chưa nhập «{label}».", code="missing")
    return parsed


def day_start(value: date | None) -> datetime | None:
    return None if value is None else datetime(value.year, value.month, value.day, tzinfo=LOCAL_TZ)


def day_end(value: date | None) -> datetime | None:
    start = day_start(value)
    return None if start is None else start + timedelta(days=1)


def local_input(value: datetime | None) -> str:
    """A datetime as the value of an <input type="datetime-local">."""
    return "" if value is None else value.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def ids(values: list[str]) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except ValueError:
            raise InvalidInput("Danh sách câu hỏi đã chọn không hợp lệ.", code="bad_ids") from None
    return out

"""One date parser for the CLI, the console's forms, Open311 and imports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.clock import LOCAL_TZ, parse_datetime


@pytest.mark.parametrize(("text", "expected"), [
    ("24/11/2026 08:30", datetime(2026, 11, 24, 8, 30, tzinfo=LOCAL_TZ)),
    (" 24/11/2026 ", datetime(2026, 11, 24, tzinfo=LOCAL_TZ)),
    ("2026-11-24T08:30", datetime(2026, 11, 24, 8, 30, tzinfo=LOCAL_TZ)),
    ("2026-11-24 08:30:15", datetime(2026, 11, 24, 8, 30, 15, tzinfo=LOCAL_TZ)),
    ("2026-11-24", datetime(2026, 11, 24, tzinfo=LOCAL_TZ)),
    ("2026-11-24T01:30:00Z", datetime(2026, 11, 24, 1, 30, tzinfo=UTC)),
    ("2026-11-24T08:30:00+07:00", datetime(2026, 11, 24, 1, 30, tzinfo=UTC)),
])
def test_accepted_forms(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected and parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["", "31/02/2026", "24-11-2026", "ngày mai", "2026-13-01"])
def test_refused_forms(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(text)

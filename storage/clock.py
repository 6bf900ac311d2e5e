"""Time in one place: stored as timezone-aware UTC, typed and shown in Vietnam's local time."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from vntext import LOCAL_TZ as LOCAL_TZ

# What people type (24/11/2026 08:00), what browsers send (2026-11-24T08:00), what spreadsheets hold.
LOCAL_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_datetime(text: str) -> datetime:
    """A date or date and time as people and programs write them; local time unless an offset is given.

    Accepts dd/mm/yyyy [hh:mm], yyyy-mm-dd[Thh:mm[:ss]] and ISO 8601 with an offset or Z.
    Raises ValueError for anything else; callers word the error for their audience.
    """
    value = text.strip()
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            continue
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=LOCAL_TZ)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC on every backend and always gives back aware datetimes (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return aware(value).astimezone(UTC)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        return None if value is None else aware(value)

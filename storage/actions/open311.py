"""Service requests from Open311 clients: which meeting a key's request goes to, and storing it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage import queries
from storage.actions.questions import submit_question
from storage.analysis import Analyzer
from storage.clock import aware, utcnow
from storage.errors import InvalidInput
from storage.models import Attachment, Meeting, Question
from storage.reach import Reach

MEETING_ATTRIBUTE = "meeting_code"


@dataclass(frozen=True)
class MeetingChoice:
    """The open meetings a key may send to, and whether the client must say which."""

    meetings: Sequence[Meeting]
    default: Meeting | None

    @property
    def required(self) -> bool:
        return self.default is None and bool(self.meetings)


def meeting_choice(
    session: Session, reach: Reach, home_unit_id: int | None, now: datetime | None = None
) -> MeetingChoice:
    """Open meetings in the key's reach; the home unit's only open meeting is the default.

    With more than one open meeting in the home unit (or none there, but some below), the client
    has to choose: the attribute is then required.
    """
    now = now or utcnow()
    open_ids = {m.id for m in queries.list_open_meetings(session, now)}
    in_reach = [m for m in queries.list_meetings(session, reach) if m.id in open_ids]
    in_reach.sort(key=lambda m: (aware(m.starts_at) < now, aware(m.starts_at), m.id))
    home = [m for m in in_reach if home_unit_id is None or m.unit_id == home_unit_id]
    return MeetingChoice(meetings=in_reach, default=home[0] if len(home) == 1 else None)


def pick_meeting(choice: MeetingChoice, code: str | None) -> Meeting:
    if code:
        for meeting in choice.meetings:
            if meeting.code == code.strip().upper():
                return meeting
        raise InvalidInput(f"attribute[{MEETING_ATTRIBUTE}] «{code}» không phải một hội nghị đang nhận câu hỏi "
                           "trong phạm vi của khóa API.", code="bad_meeting")
    if choice.default is not None:
        return choice.default
    if not choice.meetings:
        raise InvalidInput("Hiện không có hội nghị nào đang nhận câu hỏi trong phạm vi của khóa API.",
                           code="no_open_meeting")
    codes = ", ".join(m.code for m in choice.meetings)
    raise InvalidInput(f"Cần attribute[{MEETING_ATTRIBUTE}]: một trong các hội nghị đang nhận câu hỏi ({codes}).",
                       code="meeting_required")


@dataclass(frozen=True)
class Location:
    address: str | None = None
    lat: float | None = None
    long: float | None = None


def check_location(address: str | None, lat: str | None, long: str | None) -> Location:
    def number(value: str | None, name: str, bound: float) -> float | None:
        if value is None or not value.strip():
            return None
        try:
            parsed = float(value)
        except ValueError:
            raise InvalidInput(f"{name} phải là số thập phân (WGS84).", code="bad_location") from None
        if not -bound <= parsed <= bound:
            raise InvalidInput(f"{name} phải trong khoảng -{bound:g} đến {bound:g}.", code="bad_location")
        return parsed

    la, lo = number(lat, "lat", 90), number(long, "long", 180)
    if (la is None) != (lo is None):
        raise InvalidInput("Cần cả lat và long, hoặc không có cả hai.", code="bad_location")
    text = (address or "").strip()
    if len(text) > 300:
        raise InvalidInput("address_string dài quá 300 ký tự.", code="bad_location")
    return Location(text or None, la, lo)


def check_media_url(url: str | None) -> str | None:
    value = (url or "").strip()
    if not value:
        return None
    if not value.startswith(("https://", "http://")) or len(value) > 500 or any(c.isspace() for c in value):
        raise InvalidInput("media_url phải là một địa chỉ http(s) hợp lệ, tối đa 500 ký tự.", code="bad_media_url")
    return value


def submit_service_request(
    session: Session, *, meeting_id: int, text: str, field: str | None, analyzer: Analyzer | None, actor: str,
    location: Location, media_url: str | None,
) -> Question:
    question = submit_question(session, meeting_id=meeting_id, text=text, channel="api", field=field,
                               analyzer=analyzer, actor=actor)
    question.address, question.lat, question.long = location.address, location.lat, location.long
    if media_url is not None:
        session.add(Attachment(question_id=question.id, kind="link", file_ref=media_url, file_name=None,
                               mime_type=None, size=None))
    session.flush()
    return question

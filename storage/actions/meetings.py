"""Meetings: create, edit, move through planned → open → held → closed, record attendance."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import ForbiddenMove, InvalidInput
from storage.lookup import get_or_not_found
from storage.models import Meeting, Unit

STATES = ("planned", "open", "held", "closed")
STATE_LABELS = {
    "planned": "Đã lên kế hoạch",
    "open": "Đang nhận câu hỏi",
    "held": "Đã tổ chức",
    "closed": "Đã kết thúc",
}
_MOVES = {"planned": {"open", "held"}, "open": {"held", "planned"}, "held": {"closed"}, "closed": set[str]()}
# Codes are read aloud and typed from posters: no 0/O or 1/I/L.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(6))
        if session.scalars(select(Meeting.id).where(Meeting.code == code)).first() is None:
            return code


def create_meeting(
    session: Session,
    *,
    unit_id: int,
    title: str,
    starts_at: datetime,
    chair: str = "",
    target_group: str = "",
    place: str = "",
    intake_until: datetime | None = None,
    state: str = "open",
    code: str | None = None,
) -> Meeting:
    if not title.strip():
        raise InvalidInput("Cần có tên hội nghị.")
    get_or_not_found(session, Unit, unit_id)
    if state not in STATES:
        raise InvalidInput(f"Trạng thái hội nghị không hợp lệ: «{state}».")
    if intake_until is not None and intake_until > starts_at:
        raise InvalidInput("Hạn nhận câu hỏi phải trước thời gian hội nghị.", code="intake_after_start")
    code = (code or new_code(session)).strip().upper()
    if session.scalars(select(Meeting.id).where(Meeting.code == code)).first() is not None:
        raise InvalidInput(f"Mã hội nghị «{code}» đã được dùng.", code="duplicate_code")
    meeting = Meeting(unit_id=unit_id, title=title.strip(), chair=chair.strip(), target_group=target_group.strip(),
                      starts_at=starts_at, place=place.strip(), intake_until=intake_until, state=state, code=code)
    session.add(meeting)
    session.flush()
    return meeting


def update_meeting(session: Session, meeting_id: int, **changes: object) -> Meeting:
    meeting = get_or_not_found(session, Meeting, meeting_id)
    allowed = {"title", "chair", "target_group", "starts_at", "place", "intake_until"}
    for key, value in changes.items():
        if key not in allowed:
            raise InvalidInput(f"Không sửa được trường «{key}».")
        setattr(meeting, key, value)
    if meeting.intake_until is not None and meeting.intake_until > meeting.starts_at:
        raise InvalidInput("Hạn nhận câu hỏi phải trước thời gian hội nghị.", code="intake_after_start")
    session.flush()
    return meeting


def set_meeting_state(session: Session, meeting_id: int, state: str) -> Meeting:
    meeting = get_or_not_found(session, Meeting, meeting_id)
    if state != meeting.state and state not in _MOVES.get(meeting.state, set()):
        raise ForbiddenMove(
            f"Không thể chuyển hội nghị từ «{STATE_LABELS[meeting.state]}» sang «{STATE_LABELS.get(state, state)}»."
        )
    meeting.state = state
    session.flush()
    return meeting


def record_attendance(session: Session, meeting_id: int, attendance: int) -> Meeting:
    if attendance < 0:
        raise InvalidInput("Số lượt người dự không thể âm.")
    meeting = get_or_not_found(session, Meeting, meeting_id)
    meeting.attendance = attendance
    session.flush()
    return meeting

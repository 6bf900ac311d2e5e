"""Reading one row: `find_*` answers None when it is missing, `get_*` refuses with NotFound.

The only place that words "Không tìm thấy ..." for a missing row; reach-scoped readers
(`storage.reach.require_*`) build on it.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage.errors import NotFound
from storage.models import (
    Agency,
    AgendaItem,
    AnswerTemplate,
    ApiKey,
    Base,
    Citizen,
    Meeting,
    Outbox,
    Question,
    Unit,
    User,
)

M = TypeVar("M", bound=Base)

NAMES: dict[type[Base], str] = {
    Agency: "cơ quan",
    AgendaItem: "mục chương trình",
    AnswerTemplate: "mẫu trả lời",
    ApiKey: "khóa API",
    Citizen: "công dân",
    Meeting: "hội nghị",
    Outbox: "tin nhắn",
    Question: "câu hỏi",
    Unit: "đơn vị",
    User: "tài khoản",
}


def not_found(model: type[Base], key: int | str) -> NotFound:
    """"Không tìm thấy hội nghị số 7." for an id, "... mã «HG2026»." for a code or ticket."""
    name = NAMES.get(model, "mục")
    if isinstance(key, int):
        return NotFound(f"Không tìm thấy {name} số {key}.")
    return NotFound(f"Không tìm thấy {name} mã «{key}».")


def get_or_not_found(session: Session, model: type[M], row_id: int) -> M:
    row = session.get(model, row_id)
    if row is None:
        raise not_found(model, row_id)
    return row


def first_or_not_found(session: Session, stmt: Select[M], model: type[M], key: int | str) -> M:
    """The first row of `stmt` (typically scoped to a caller's reach); NotFound names `key` when none."""
    row = session.scalars(stmt).first()
    if row is None:
        raise not_found(model, key)
    return row


def find_unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.code == code.strip().upper())).first()


def find_meeting_by_code(session: Session, code: str) -> Meeting | None:
    return session.scalars(select(Meeting).where(Meeting.code == code.strip().upper())).first()


def get_unit_by_code(session: Session, code: str) -> Unit:
    unit = find_unit_by_code(session, code)
    if unit is None:
        raise not_found(Unit, code.strip())
    return unit


def get_meeting_by_code(session: Session, code: str) -> Meeting:
    meeting = find_meeting_by_code(session, code)
    if meeting is None:
        raise not_found(Meeting, code.strip())
    return meeting

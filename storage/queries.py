"""Reads for the console, the bots, the CLI and reports. Every organiser-facing read takes a Reach."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.clock import utcnow
from storage.errors import NotFound
from storage.models import (
    Agency,
    Citizen,
    Conversation,
    Meeting,
    Outbox,
    Question,
    Reply,
    ReplyQuestion,
    StatusEvent,
    Unit,
)
from storage.queue import queue_statement
from storage.reach import Reach, scope_meetings, scope_questions, scope_units


def list_units(session: Session, reach: Reach) -> Sequence[Unit]:
    return session.scalars(scope_units(select(Unit), reach).order_by(Unit.path)).all()


def get_unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.code == code.strip().upper())).first()


def list_agencies(session: Session, reach: Reach, unit_id: int | None = None) -> Sequence[Agency]:
    stmt = select(Agency).join(Unit, Unit.id == Agency.unit_id)
    if reach.role == "agency":
        stmt = stmt.where(Agency.id == (reach.agency_id or -1))
    elif reach.role != "admin":
        stmt = stmt.where(Unit.path.startswith(reach.unit_path or "\x00"))
    if unit_id is not None:
        stmt = stmt.where(Agency.unit_id == unit_id)
    return session.scalars(stmt.order_by(Unit.path, Agency.name)).all()


def list_meetings(session: Session, reach: Reach, *, unit_id: int | None = None) -> Sequence[Meeting]:
    stmt = scope_meetings(select(Meeting), reach)
    if unit_id is not None:
        stmt = stmt.where(Meeting.unit_id == unit_id)
    return session.scalars(stmt.order_by(Meeting.starts_at.desc())).all()


def list_open_meetings(session: Session, now: datetime | None = None) -> Sequence[Meeting]:
    """Meetings citizens may send questions to, newest first."""
    now = now or utcnow()
    stmt = (
        select(Meeting)
        .where(Meeting.state == "open", or_(Meeting.intake_until.is_(None), Meeting.intake_until >= now))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    return session.scalars(stmt).all()


def get_meeting_by_code(session: Session, code: str) -> Meeting | None:
    return session.scalars(select(Meeting).where(Meeting.code == code.strip().upper())).first()


def get_question_by_ticket(session: Session, ticket: str, reach: Reach) -> Question:
    stmt = scope_questions(select(Question).where(Question.ticket == ticket.strip().upper()), reach)
    question = session.scalars(stmt).first()
    if question is None:
        raise NotFound(f"Không tìm thấy câu hỏi mã «{ticket}».")
    return question


def list_questions(
    session: Session,
    reach: Reach,
    *,
    meeting_id: int | None = None,
    status: str | None = None,
    field: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Sequence[Question]:
    stmt = scope_questions(select(Question), reach)
    if meeting_id is not None:
        stmt = stmt.where(Question.meeting_id == meeting_id)
    if status is not None:
        stmt = stmt.where(Question.status == status)
    if field is not None:
        stmt = stmt.where(func.coalesce(Question.confirmed_field, Question.suggested_field) == field)
    return session.scalars(stmt.order_by(Question.id).limit(limit).offset(offset)).all()


def queue(session: Session, unit: Unit, reach: Reach, *, limit: int = 50, offset: int = 0) -> Sequence[Question]:
    stmt = scope_questions(queue_statement(unit.path), reach)
    return session.scalars(stmt.limit(limit).offset(offset)).all()


def duplicates_of(session: Session, question_id: int) -> Sequence[Question]:
    return session.scalars(
        select(Question).where(Question.duplicate_of_id == question_id).order_by(Question.id)
    ).all()


def asker_count(session: Session, question_id: int) -> int:
    n = session.scalar(select(func.count()).where(Question.duplicate_of_id == question_id)) or 0
    return int(n) + 1


def events_of(session: Session, question_id: int) -> Sequence[StatusEvent]:
    return session.scalars(
        select(StatusEvent).where(StatusEvent.question_id == question_id).order_by(StatusEvent.at, StatusEvent.id)
    ).all()


def replies_of(session: Session, question_id: int) -> Sequence[Reply]:
    return session.scalars(
        select(Reply)
        .join(ReplyQuestion, ReplyQuestion.reply_id == Reply.id)
        .where(ReplyQuestion.question_id == question_id)
        .order_by(Reply.created_at, Reply.id)
    ).all()


def deliveries_of(session: Session, question_ids: Sequence[int]) -> Sequence[Outbox]:
    return session.scalars(
        select(Outbox).where(Outbox.question_id.in_(question_ids)).order_by(Outbox.id)
    ).all()


def citizen_questions(session: Session, citizen_id: int) -> Sequence[Question]:
    return session.scalars(
        select(Question).where(Question.citizen_id == citizen_id).order_by(Question.created_at.desc())
    ).all()


def find_citizen(session: Session, channel: str, channel_user_id: str) -> Citizen | None:
    return session.scalars(
        select(Citizen).where(Citizen.channel == channel, Citizen.channel_user_id == channel_user_id)
    ).first()


def get_conversation(session: Session, citizen_id: int) -> Conversation | None:
    return session.get(Conversation, citizen_id)


def pending_outbox_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(Outbox.status == "pending")) or 0)


def status_counts(session: Session, reach: Reach, meeting_id: int | None = None) -> dict[str, int]:
    stmt = scope_questions(select(Question), reach)
    if meeting_id is not None:
        stmt = stmt.where(Question.meeting_id == meeting_id)
    sub = stmt.subquery()
    rows = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all()
    counts = {s: 0 for s in lifecycle.STATUSES}
    counts.update({str(s): int(n) for s, n in rows})
    return counts

"""Each user's inbox across meetings: what waits for them, section by section.

An escalated question belongs to the receiving unit until its organiser answers it or puts it on
one of that unit's meetings; until then it is listed here with the unit and meeting it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage import lifecycle
from storage.models import Meeting, Question, Reply, ReplyQuestion, StatusEvent, Unit
from storage.reach import ADMIN, AGENCY, Reach, scope_questions

LIMIT = 200
AGENCY_OPEN = (lifecycle.ASSIGNED, lifecycle.IN_PROGRESS, lifecycle.UNRESOLVED)
# How a citizen's re-opening is written in the audit trail.
REOPEN_KINDS = ("reopen", "reopened")

ESCALATED = "escalated"
REVIEW = "review"
OVERDUE = "overdue"
REOPENED = "reopened"
ASSIGNED = "assigned"
HANDED_BACK = "handed_back"

TITLES: dict[str, str] = {
    ESCALATED: "Chuyển lên đơn vị",
    REVIEW: "Cần xem lại lĩnh vực",
    OVERDUE: "Quá hạn xử lý",
    REOPENED: "Người dân mở lại",
    ASSIGNED: "Giao cho cơ quan",
    HANDED_BACK: "Cơ quan trả lại",
}
SECTIONS_BY_ROLE: dict[str, tuple[str, ...]] = {
    AGENCY: (ASSIGNED, OVERDUE, REOPENED),
    "organiser": (ESCALATED, HANDED_BACK, REOPENED, OVERDUE, REVIEW),
    ADMIN: (ESCALATED, HANDED_BACK, REOPENED, OVERDUE, REVIEW),
}


@dataclass
class Item:
    question: Question
    # A line that says why the question is here: where it came from, the reason given...
    detail: str = ""
    at: datetime | None = None


@dataclass
class Section:
    key: str
    title: str
    total: int
    items: list[Item] = field(default_factory=list)


def _primaries(reach: Reach) -> Select[Question]:
    return scope_questions(select(Question).where(Question.duplicate_of_id.is_(None)), reach)


def _last_event(question_id: Any, *kinds: str) -> Any:
    return (select(func.max(StatusEvent.at))
            .where(StatusEvent.question_id == question_id, StatusEvent.kind.in_(kinds))
            .scalar_subquery())


def _escalated(reach: Reach, unit_id: int | None) -> Select[Question]:
    """Escalated questions waiting at the unit: not yet on one of its meetings, not answered since."""
    meeting = aliased(Meeting)
    escalated_at = _last_event(Question.id, "unit")
    answered = exists().where(ReplyQuestion.question_id == Question.id, ReplyQuestion.reply_id == Reply.id,
                              Reply.created_at > func.coalesce(escalated_at, Question.created_at))
    stmt = (_primaries(reach).join(meeting, meeting.id == Question.meeting_id)
            .where(Question.status == lifecycle.ESCALATED, meeting.unit_id != Question.unit_id, ~answered))
    if unit_id is not None:
        stmt = stmt.where(Question.unit_id == unit_id)
    return stmt.order_by(Question.updated_at.desc(), Question.id)


def _statement(key: str, reach: Reach, unit_id: int | None, today: date) -> Select[Question]:
    if key == ESCALATED:
        return _escalated(reach, unit_id)
    base = _primaries(reach)
    if key == REVIEW:
        return base.where(Question.needs_review.is_(True), Question.status.in_(lifecycle.QUEUE_STATUSES)) \
            .order_by(Question.created_at, Question.id)
    if key == OVERDUE:
        return base.where(Question.due_date < today, Question.agency_id.is_not(None),
                          Question.status.in_(AGENCY_OPEN)).order_by(Question.due_date, Question.id)
    if key == ASSIGNED:
        return base.where(Question.agency_id == (reach.agency_id or -1), Question.status.in_(AGENCY_OPEN)) \
            .order_by(func.coalesce(Question.due_date, date.max), Question.id)
    if key == REOPENED:
        reopened = exists().where(StatusEvent.question_id == Question.id, or_(
            StatusEvent.kind.in_(REOPEN_KINDS),
            and_(StatusEvent.kind == "status", StatusEvent.to_value == "reopened")))
        return base.where(reopened, Question.status.in_((*lifecycle.OPEN_STATUSES, "reopened"))) \
            .order_by(Question.updated_at.desc(), Question.id)
    if key == HANDED_BACK:
        handed = exists().where(StatusEvent.question_id == Question.id, StatusEvent.kind == "handback")
        return base.where(handed, Question.agency_id.is_(None), Question.status == lifecycle.TRIAGED) \
            .order_by(Question.updated_at.desc(), Question.id)
    raise ValueError(key)


def _details(session: Session, key: str, questions: list[Question]) -> dict[int, tuple[str, datetime | None]]:
    """Why each question is listed: the latest matching event's note."""
    kinds = {ESCALATED: ("unit",), REOPENED: (*REOPEN_KINDS, "status"), HANDED_BACK: ("handback",)}.get(key)
    if not kinds or not questions:
        return {}
    rows = session.execute(
        select(StatusEvent).where(StatusEvent.question_id.in_([q.id for q in questions]),
                                  StatusEvent.kind.in_(kinds)).order_by(StatusEvent.at, StatusEvent.id)
    ).scalars()
    out: dict[int, tuple[str, datetime | None]] = {}
    for event in rows:
        if key == REOPENED and event.kind == "status" and event.to_value != "reopened":
            continue
        out[event.question_id] = (event.note or "", event.at)
    if key == ESCALATED:
        meetings = {m.id: m for m in session.scalars(select(Meeting).where(
            Meeting.id.in_({q.meeting_id for q in questions})))}
        units = {u.id: u.name for u in session.scalars(select(Unit).where(
            Unit.id.in_({m.unit_id for m in meetings.values()})))}
        for q in questions:
            m = meetings.get(q.meeting_id)
            note, at = out.get(q.id, ("", None))
            origin = f"Từ {units.get(m.unit_id, '')} — hội nghị {m.code}" if m else ""
            out[q.id] = (origin + (f". Lý do: {note}" if note else ""), at)
    return out


def section(session: Session, key: str, reach: Reach, *, unit_id: int | None, today: date,
            limit: int = LIMIT) -> Section:
    stmt = _statement(key, reach, unit_id, today)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(limit)))
    details = _details(session, key, rows)
    items = [Item(q, *details.get(q.id, ("", None))) for q in rows]
    return Section(key, TITLES[key], int(total), items)


def inbox(session: Session, reach: Reach, *, unit_id: int | None, today: date,
          limit: int = LIMIT) -> list[Section]:
    """Every section of the caller's role, in the order they are usually worked through."""
    keys = SECTIONS_BY_ROLE.get(reach.role, ())
    return [section(session, key, reach, unit_id=unit_id, today=today, limit=limit) for key in keys]


def count(session: Session, reach: Reach, *, unit_id: int | None, today: date) -> int:
    """How many questions wait in the inbox (a question in two sections counts once)."""
    ids: set[int] = set()
    for key in SECTIONS_BY_ROLE.get(reach.role, ()):
        stmt = _statement(key, reach, unit_id, today).order_by(None).with_only_columns(Question.id)
        ids.update(session.scalars(stmt.limit(5000)))
    return len(ids)


def take_up_meetings(session: Session, unit_id: int) -> list[Meeting]:
    """Meetings of the unit that an escalated question can still be put on, newest first."""
    stmt = select(Meeting).where(Meeting.unit_id == unit_id, Meeting.state != "closed")
    return list(session.scalars(stmt.order_by(Meeting.starts_at.desc())))

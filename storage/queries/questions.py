"""One question and its family, history and attachments; lists of questions (console, CLI, Open311)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.lookup import first_or_not_found
from storage.models import Agency, Attachment, Question, StatusEvent
from storage.reach import Reach, scope_questions


def field_column() -> Any:
    """The field a question is counted under: confirmed, else suggested, else "khac"."""
    return func.coalesce(Question.confirmed_field, Question.suggested_field, "khac")


def get_question_by_ticket(session: Session, ticket: str, reach: Reach) -> Question:
    stmt = scope_questions(select(Question).where(Question.ticket == ticket.strip().upper()), reach)
    return first_or_not_found(session, stmt, Question, ticket.strip())


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


def attachments_of(session: Session, question_id: int) -> Sequence[Attachment]:
    stmt = select(Attachment).where(Attachment.question_id == question_id).order_by(Attachment.id)
    return session.scalars(stmt).all()


def status_counts(session: Session, reach: Reach, meeting_id: int | None = None) -> dict[str, int]:
    stmt = scope_questions(select(Question), reach)
    if meeting_id is not None:
        stmt = stmt.where(Question.meeting_id == meeting_id)
    sub = stmt.subquery()
    rows = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all()
    counts = {s: 0 for s in lifecycle.STATUSES}
    counts.update({str(s): int(n) for s, n in rows})
    return counts


def proposed_duplicates(session: Session, reach: Reach, question: Question) -> list[tuple[Question, float]]:
    """Open questions the classifier thinks ask the same thing, in either direction."""
    out: list[tuple[Question, float]] = []
    if question.proposed_duplicate_of_id is not None:
        target = session.scalars(scope_questions(
            select(Question).where(Question.id == question.proposed_duplicate_of_id), reach)).first()
        if target is not None and target.duplicate_of_id != question.id:
            out.append((target, question.proposed_similarity or 0.0))
    # duplicate_of_id is checked in Python: in SQL it would lure the planner onto the wrong index.
    others = scope_questions(select(Question).where(Question.proposed_duplicate_of_id == question.id), reach)
    out.extend((q, q.proposed_similarity or 0.0) for q in session.scalars(others.order_by(Question.id).limit(50))
               if q.duplicate_of_id is None)
    return out


def overdue(session: Session, reach: Reach, today: date) -> list[tuple[Question, datetime | None]]:
    """Assignments past their due date, by agency, with when the agency was last reminded."""
    stmt = scope_questions(select(Question).where(
        Question.due_date < today, Question.duplicate_of_id.is_(None), Question.agency_id.is_not(None),
        Question.status.in_((lifecycle.ASSIGNED, lifecycle.IN_PROGRESS, lifecycle.UNRESOLVED))), reach)
    rows = list(session.scalars(stmt.join(Agency, Agency.id == Question.agency_id)
                                .order_by(Agency.name, Question.due_date, Question.id).limit(2000)))
    reminded = dict(session.execute(
        select(StatusEvent.question_id, func.max(StatusEvent.at))
        .where(StatusEvent.kind == "reminder", StatusEvent.question_id.in_([q.id for q in rows]))
        .group_by(StatusEvent.question_id)).all()) if rows else {}
    return [(q, reminded.get(q.id)) for q in rows]


def open311_requests(
    session: Session, reach: Reach, *, service_code: str | None = None, status: str | None = None,
    start: datetime | None = None, end: datetime | None = None, tickets: Sequence[str] = (), limit: int = 1000,
) -> Sequence[Question]:
    stmt = scope_questions(select(Question), reach)
    if tickets:
        stmt = stmt.where(Question.ticket.in_([t.strip().upper() for t in tickets]))
    if service_code:
        stmt = stmt.where(field_column() == service_code)
    if status == "open":
        stmt = stmt.where(Question.status.in_(lifecycle.OPEN_STATUSES))
    elif status == "closed":
        stmt = stmt.where(Question.status.in_(lifecycle.CLOSED_STATUSES))
    if start is not None:
        stmt = stmt.where(Question.created_at >= start)
    if end is not None:
        stmt = stmt.where(Question.created_at <= end)
    return session.scalars(stmt.order_by(Question.created_at.desc(), Question.id.desc()).limit(limit)).all()

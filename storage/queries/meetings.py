"""Meetings: lists, the meetings page, a meeting's agenda and its conclusion notice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.clock import utcnow
from storage.models import AgendaItem, Meeting, Question, Reply, Unit
from storage.queries.questions import field_column
from storage.queries.replies import latest_replies
from storage.reach import Reach, require_meeting, scope_meetings, scope_questions


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


def meetings_page(
    session: Session, reach: Reach, *, unit_id: int | None = None, start: datetime | None = None,
    end: datetime | None = None,
) -> list[tuple[Meeting, int]]:
    """Meetings in reach (optionally of one unit's subtree and a period) with their question counts."""
    stmt = scope_meetings(select(Meeting), reach)
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        below = select(Unit.id).where(Unit.path.startswith(unit.path if unit else "\x00"))
        stmt = stmt.where(Meeting.unit_id.in_(below))
    if start is not None:
        stmt = stmt.where(Meeting.starts_at >= start)
    if end is not None:
        stmt = stmt.where(Meeting.starts_at < end)
    meetings = list(session.scalars(stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(500)))
    ids = [m.id for m in meetings]
    counts = dict(session.execute(select(Question.meeting_id, func.count()).where(
        Question.meeting_id.in_(ids)).group_by(Question.meeting_id)).all()) if ids else {}
    return [(m, int(counts.get(m.id, 0))) for m in meetings]


def agenda_of(session: Session, meeting_id: int, reach: Reach) -> list[tuple[AgendaItem, int, Reply | None]]:
    """The meeting's agenda in order: item, askers, latest answer."""
    require_meeting(session, meeting_id, reach)
    items = list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                                 .order_by(AgendaItem.position, AgendaItem.id)))
    ids = [i.question_id for i in items]
    counts = dict(session.execute(select(Question.duplicate_of_id, func.count()).where(
        Question.duplicate_of_id.in_(ids)).group_by(Question.duplicate_of_id)).all()) if ids else {}
    answers = latest_replies(session, ids)
    return [(i, int(counts.get(i.question_id, 0)) + 1, answers.get(i.question_id)) for i in items]


def conclusion_items(session: Session, meeting_id: int, reach: Reach) -> list[tuple[Question, int, Reply | None]]:
    """The meeting's primaries (not rejected or withdrawn) by field: question, askers, latest answer."""
    require_meeting(session, meeting_id, reach)
    rows = list(session.scalars(scope_questions(select(Question).where(
        Question.meeting_id == meeting_id, Question.duplicate_of_id.is_(None),
        Question.status.not_in((lifecycle.REJECTED, lifecycle.WITHDRAWN))), reach)
        .order_by(field_column(), Question.id)))
    ids = [q.id for q in rows]
    counts = dict(session.execute(select(Question.duplicate_of_id, func.count()).where(
        Question.duplicate_of_id.in_(ids)).group_by(Question.duplicate_of_id)).all()) if ids else {}
    answers = latest_replies(session, ids)
    return [(q, int(counts.get(q.id, 0)) + 1, answers.get(q.id)) for q in rows]

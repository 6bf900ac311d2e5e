"""What anyone may read without logging in: a meeting's published answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.lookup import get_meeting_by_code
from storage.models import Meeting, Question, Reply
from storage.queries.replies import latest_replies


@dataclass
class PublishedItem:
    """One published group: its primary question, how many asked, the latest answer."""

    question: Question
    askers: int
    answer: Reply | None
    published_at: datetime


def published_answers(session: Session, meeting_code: str) -> tuple[Meeting, list[PublishedItem]]:
    """The meeting and its published groups by field, then ticket order. NotFound for an unknown code."""
    meeting = get_meeting_by_code(session, meeting_code)
    primaries = list(session.scalars(select(Question).where(
        Question.meeting_id == meeting.id, Question.duplicate_of_id.is_(None), Question.published_at.is_not(None))
        .order_by(func.coalesce(Question.confirmed_field, Question.suggested_field, "khac"), Question.id)))
    ids = [q.id for q in primaries]
    counts = dict(session.execute(select(Question.duplicate_of_id, func.count()).where(
        Question.duplicate_of_id.in_(ids), Question.published_at.is_not(None))
        .group_by(Question.duplicate_of_id)).all()) if ids else {}
    answers = latest_replies(session, ids)
    return meeting, [PublishedItem(q, int(counts.get(q.id, 0)) + 1, answers.get(q.id), q.published_at)
                     for q in primaries if q.published_at is not None]

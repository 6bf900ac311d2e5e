"""Training data and accuracy of the field classifier, from organisers' confirmations."""

from __future__ import annotations

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Question
from storage.reach import Reach, scope_questions


def confirmed_examples(session: Session, reach: Reach, *, corrections_only: bool = False) -> list[tuple[str, str]]:
    """(text, field) of questions whose field an organiser confirmed; training data for the classifier."""
    stmt = scope_questions(select(Question).where(Question.confirmed_field.is_not(None)), reach)
    if corrections_only:
        stmt = stmt.where(or_(Question.suggested_field.is_(None), Question.suggested_field != Question.confirmed_field))
    sub = stmt.subquery()
    rows = session.execute(select(sub.c.original_text, sub.c.confirmed_field).order_by(sub.c.id))
    return [(str(t), str(f)) for t, f in rows]


def classifier_accuracy(session: Session, reach: Reach) -> list[tuple[str, int, int]]:
    """(confirmed field, confirmed questions with a suggestion, suggestion was right) per field."""
    sub = scope_questions(select(Question).where(
        Question.confirmed_field.is_not(None), Question.suggested_field.is_not(None)), reach).subquery()
    right = func.sum(case((sub.c.suggested_field == sub.c.confirmed_field, 1), else_=0))
    rows = session.execute(select(sub.c.confirmed_field, func.count(), right)
                           .group_by(sub.c.confirmed_field).order_by(sub.c.confirmed_field))
    return [(str(f), int(n), int(r or 0)) for f, n, r in rows]

"""Answers: a question's replies, the latest per question, their deliveries, answer templates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import literal, or_, select
from sqlalchemy.orm import Session

from storage.models import AnswerTemplate, Outbox, Reply, ReplyQuestion, Unit
from storage.reach import Reach


def replies_of(session: Session, question_id: int) -> Sequence[Reply]:
    return session.scalars(
        select(Reply)
        .join(ReplyQuestion, ReplyQuestion.reply_id == Reply.id)
        .where(ReplyQuestion.question_id == question_id)
        .order_by(Reply.created_at, Reply.id)
    ).all()


def latest_replies(session: Session, question_ids: Sequence[int]) -> dict[int, Reply]:
    out: dict[int, Reply] = {}
    if not question_ids:
        return out
    rows = session.execute(
        select(ReplyQuestion.question_id, Reply).join(Reply, Reply.id == ReplyQuestion.reply_id)
        .where(ReplyQuestion.question_id.in_(question_ids)).order_by(Reply.created_at, Reply.id)
    ).all()
    for qid, reply in rows:
        out[int(qid)] = reply
    return out


def deliveries_of(session: Session, question_ids: Sequence[int]) -> Sequence[Outbox]:
    return session.scalars(
        select(Outbox).where(Outbox.question_id.in_(question_ids)).order_by(Outbox.id)
    ).all()


def list_templates(session: Session, reach: Reach, field: str | None = None) -> Sequence[AnswerTemplate]:
    stmt = select(AnswerTemplate).outerjoin(Unit, Unit.id == AnswerTemplate.unit_id)
    if reach.role != "admin":
        # Templates of the caller's unit, of the units above it, and shared ones.
        path = reach.unit_path or "\x00"
        stmt = stmt.where(or_(AnswerTemplate.unit_id.is_(None), literal(path).like(Unit.path + "%")))
    if field:
        stmt = stmt.where(or_(AnswerTemplate.field == field, AnswerTemplate.field.is_(None)))
    return session.scalars(stmt.order_by(AnswerTemplate.field, AnswerTemplate.title)).all()

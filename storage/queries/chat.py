"""Reads for a citizen's own chat: a question of theirs by ticket, its latest answer, the transcript."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import ChatLine, Citizen, Outbox, Question, Reply
from storage.queries.replies import latest_replies


def own_question(session: Session, citizen_id: int, ticket: str) -> Question | None:
    """The question with this ticket when it is the citizen's own, else None (whoever else's it is)."""
    question = session.scalars(select(Question).where(Question.ticket == ticket)).first()
    if question is None or question.citizen_id != citizen_id:
        return None
    return question


def latest_answer(session: Session, question_id: int) -> Reply | None:
    return latest_replies(session, [question_id]).get(question_id)


def transcript(session: Session, citizen_id: int, limit: int = 200) -> list[ChatLine]:
    """The last `limit` lines of the citizen's web chat, oldest first."""
    rows = session.scalars(
        select(ChatLine).where(ChatLine.citizen_id == citizen_id).order_by(ChatLine.id.desc()).limit(limit)
    ).all()
    return list(reversed(rows))


def questions_from_origin(session: Session, origin: str, since: datetime) -> int:
    """Questions sent since `since` by every citizen last seen at this (hashed) network address."""
    return int(session.scalar(
        select(func.count()).select_from(Question).join(Citizen, Citizen.id == Question.citizen_id)
        .where(Citizen.origin == origin, Question.created_at >= since)
    ) or 0)


def citizen_by_channel_id(session: Session, channel: str, channel_user_id: str) -> Citizen | None:
    return session.scalars(
        select(Citizen).where(Citizen.channel == channel, Citizen.channel_user_id == channel_user_id)
    ).first()



def shown_up_to(session: Session, channel: str, chat_id: str) -> int:
    """The outbox id up to which a chat's messages were all delivered (so kept in its transcript):
    below the first message still waiting, or the newest one when none waits."""
    waiting = session.scalar(select(func.min(Outbox.id)).where(
        Outbox.channel == channel, Outbox.chat_id == chat_id, Outbox.status == "pending"))
    if waiting is not None:
        return int(waiting) - 1
    return int(session.scalar(
        select(func.max(Outbox.id)).where(Outbox.channel == channel, Outbox.chat_id == chat_id)
    ) or 0)

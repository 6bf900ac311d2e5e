"""The citizen side: a citizen's questions, the flood count, web chat messages, idle conversations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Citizen, Conversation, Outbox, Question


def citizen_questions(session: Session, citizen_id: int) -> Sequence[Question]:
    return session.scalars(
        select(Question).where(Question.citizen_id == citizen_id).order_by(Question.created_at.desc())
    ).all()


_COUNT_SINCE = select(func.count()).where(Question.citizen_id == bindparam("citizen_id"),
                                           Question.created_at >= bindparam("since"))


def count_questions_since(session: Session, citizen_id: int, since: datetime) -> int:
    """How many questions a citizen sent since `since` (the flood limit)."""
    return int(session.execute(_COUNT_SINCE, {"citizen_id": citizen_id, "since": since}).scalar() or 0)


def web_messages(session: Session, chat_id: str, after_id: int = 0, limit: int = 50) -> Sequence[Outbox]:
    """Messages for one web-chat citizen, oldest first (the page fetches them).

    Replies already shown in the response to the citizen's request are left out.
    """
    return session.scalars(
        select(Outbox)
        .where(Outbox.channel == "web", Outbox.chat_id == chat_id, Outbox.id > after_id,
               or_(Outbox.inbound_id.is_(None), Outbox.status == "pending"))
        .order_by(Outbox.id)
        .limit(limit)
    ).all()


def conversations_in_state(
    session: Session, state: str, updated_before: datetime, limit: int = 500
) -> Sequence[tuple[Conversation, Citizen]]:
    """Conversations left in `state` since before `updated_before`, with their citizens."""
    rows = session.execute(
        select(Conversation, Citizen)
        .join(Citizen, Citizen.id == Conversation.citizen_id)
        .where(Conversation.state == state, Conversation.updated_at < updated_before)
        .order_by(Conversation.updated_at)
        .limit(limit)
    ).all()
    return [(conv, citizen) for conv, citizen in rows]

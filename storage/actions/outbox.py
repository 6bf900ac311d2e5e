"""Enqueue messages to citizens, in the caller's transaction (transactional outbox)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Citizen, Outbox, Question


def enqueue(
    session: Session,
    *,
    channel: str,
    chat_id: str,
    text: str,
    key: str,
    citizen_id: int | None = None,
    question_id: int | None = None,
    reply_id: int | None = None,
    buttons: list[list[dict[str, str]]] | None = None,
) -> Outbox:
    """Add one message; a second call with the same key returns the first row unchanged."""
    existing = session.scalars(select(Outbox).where(Outbox.idempotency_key == key)).first()
    if existing is not None:
        return existing
    row = Outbox(
        channel=channel,
        chat_id=chat_id,
        text=text,
        idempotency_key=key,
        citizen_id=citizen_id,
        question_id=question_id,
        reply_id=reply_id,
        buttons=buttons,
    )
    session.add(row)
    session.flush()
    return row


def notify_askers(
    session: Session,
    questions: list[Question],
    text_for: dict[int, str],
    key: str,
    reply_id: int | None = None,
) -> int:
    """One message per asking citizen of `questions` (a primary and its duplicates)."""
    sent = 0
    for question in questions:
        if question.citizen_id is None:
            continue
        citizen = session.get(Citizen, question.citizen_id)
        if citizen is None or not citizen.chat_id:
            continue
        enqueue(
            session,
            channel=citizen.channel,
            chat_id=citizen.chat_id,
            text=text_for[question.id],
            key=f"{key}:q{question.id}",
            citizen_id=citizen.id,
            question_id=question.id,
            reply_id=reply_id,
        )
        sent += 1
    return sent

"""Conversation state and processed channel updates, written by the citizen-facing bots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.actions.rows import add_or_existing
from storage.clock import utcnow
from storage.db import is_postgres
from storage.models import Conversation, ProcessedUpdate


def processed_response(session: Session, channel: str, update_id: str) -> list[Any] | None:
    """The stored answer when this update was handled before, else None."""
    row = session.scalars(
        select(ProcessedUpdate).where(ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == update_id)
    ).first()
    if row is None:
        return None
    return list(row.response or [])


def mark_processed(session: Session, channel: str, update_id: str, response: list[Any]) -> bool:
    """Record the update in the caller's transaction; False when another worker recorded it first."""
    try:
        with session.begin_nested():
            session.add(ProcessedUpdate(channel=channel, update_id=update_id[:64], response=response))
            session.flush()
    except IntegrityError:
        return False
    return True


def load_conversation(session: Session, citizen_id: int, initial_state: str) -> Conversation:
    """The citizen's conversation, locked for this transaction on PostgreSQL; created when missing."""
    stmt = select(Conversation).where(Conversation.citizen_id == citizen_id)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    conv = session.scalars(stmt).first()
    if conv is not None:
        return conv
    return add_or_existing(session, Conversation(citizen_id=citizen_id, state=initial_state, data={}), stmt)


def save_conversation(session: Session, conv: Conversation, state: str, data: dict[str, Any]) -> None:
    conv.state = state
    # A fresh dict, so the JSON column is seen as changed.
    conv.data = dict(data)
    conv.updated_at = utcnow()
    session.flush()

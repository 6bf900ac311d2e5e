"""Conversation state, written by the citizen-facing bots within the turn that handles an update."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.actions.rows import add_or_existing
from storage.clock import utcnow
from storage.db import is_postgres
from storage.models import Conversation


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

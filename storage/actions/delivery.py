"""Outcomes of sending an outbox row that the queue module does not cover."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.models import Outbox


def postpone(session: Session, outbox_id: int, seconds: float, reason: str) -> None:
    """The platform asked us to wait (HTTP 429): try again later without spending an attempt."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.status != "pending":
        return
    row.attempts = max(0, row.attempts - 1)
    row.locked_until = None
    row.last_error = reason[:1000]
    row.next_attempt_at = utcnow() + timedelta(seconds=max(0.0, seconds))
    session.flush()

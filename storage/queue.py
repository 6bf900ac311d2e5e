"""Claiming work safely with several processes: SKIP LOCKED on PostgreSQL.

On SQLite there is a single writer: the UPDATE inside the claiming transaction serialises
claims, so the same row cannot be claimed twice there either.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.db import is_postgres
from storage.models import Outbox

MAX_ATTEMPTS = 8


def _lockable(session: Session, stmt: Select[int]) -> Select[int]:
    if is_postgres(session):
        return stmt.with_for_update(skip_locked=True)
    return stmt


def claim_outbox(
    session: Session,
    *,
    limit: int = 50,
    lease: timedelta = timedelta(minutes=2),
    channels: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> list[Outbox]:
    """Claim due outbox rows for sending; each claim counts as one attempt."""
    now = now or utcnow()
    stmt = (
        select(Outbox.id)
        .where(
            Outbox.status == "pending",
            Outbox.next_attempt_at <= now,
            or_(Outbox.locked_until.is_(None), Outbox.locked_until < now),
        )
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if channels:
        stmt = stmt.where(Outbox.channel.in_(channels))
    ids = list(session.scalars(_lockable(session, stmt)))
    if not ids:
        return []
    rows = list(session.scalars(select(Outbox).where(Outbox.id.in_(ids)).order_by(Outbox.id)))
    for row in rows:
        row.locked_until = now + lease
        row.attempts += 1
    session.flush()
    return rows


def mark_delivered(session: Session, outbox_id: int) -> None:
    row = session.get(Outbox, outbox_id)
    if row is None or row.status == "sent":
        return
    row.status = "sent"
    row.delivered_at = utcnow()
    row.locked_until = None
    row.last_error = None
    session.flush()


def mark_failed(
    session: Session,
    outbox_id: int,
    error: str,
    *,
    retry_after: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    permanent: bool = False,
) -> None:
    """Record a failed attempt: retry with exponential backoff, or give up after `max_attempts`."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.status == "sent":
        return
    row.last_error = error[:1000]
    row.locked_until = None
    if permanent or row.attempts >= max_attempts:
        row.status = "failed"
    else:
        delay = retry_after if retry_after is not None else min(2 ** row.attempts, 3600)
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
    session.flush()


def retry_outbox(session: Session, outbox_id: int) -> None:
    """An organiser asks to try a failed message again."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.status == "sent":
        return
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.locked_until = None
    session.flush()

"""Reads that pick work: the organisers' queue, outbox rows due for sending, stored updates not yet handled.

The state changes live in `storage/actions/` (`delivery.py` claims and settles outbox rows). On
PostgreSQL the rows picked are locked with SKIP LOCKED until the caller's transaction ends; on
SQLite the single writer serialises the claiming transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, Subquery, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage import lifecycle
from storage.clock import utcnow
from storage.models import InboundUpdate, Meeting, Outbox, Question, Unit


def _lockable(session: Session, stmt: Select[int]) -> Select[int]:
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def asker_counts() -> Subquery:
    """Subquery: question id -> how many questions (itself + duplicates) ask the same thing."""
    return (
        select(Question.duplicate_of_id.label("qid"), func.count().label("n"))
        .where(Question.duplicate_of_id.is_not(None))
        .group_by(Question.duplicate_of_id)
        .subquery()
    )


def queue_statement(unit_path: str, include_below: bool = True) -> Select[Question]:
    """Questions waiting at a unit: by meeting date, then number of askers, then age."""
    dup = asker_counts()
    units = select(Unit.id).where(Unit.path.startswith(unit_path) if include_below else Unit.path == unit_path)
    return (
        select(Question)
        .join(Meeting, Meeting.id == Question.meeting_id)
        .outerjoin(dup, dup.c.qid == Question.id)
        .where(
            Question.unit_id.in_(units),
            Question.status.in_(lifecycle.QUEUE_STATUSES),
            Question.duplicate_of_id.is_(None),
        )
        .order_by(Meeting.starts_at, func.coalesce(dup.c.n, 0).desc(), Question.created_at, Question.id)
    )


def claim_questions(
    session: Session, unit_path: str, worker: str, *, limit: int = 10, lease: timedelta = timedelta(minutes=15)
) -> list[Question]:
    """Claim up to `limit` queue items no one else holds; the caller's transaction commits the claim."""
    now = utcnow()
    ids_stmt = (
        select(Question.id)
        .where(
            Question.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit_path))),
            Question.status.in_(lifecycle.QUEUE_STATUSES),
            Question.duplicate_of_id.is_(None),
            or_(Question.claimed_until.is_(None), Question.claimed_until < now),
        )
        .order_by(Question.created_at, Question.id)
        .limit(limit)
    )
    ids = list(session.scalars(_lockable(session, ids_stmt)))
    if not ids:
        return []
    rows = list(session.scalars(select(Question).where(Question.id.in_(ids)).order_by(Question.id)))
    for row in rows:
        row.claimed_by = worker
        row.claimed_until = now + lease
    session.flush()
    return rows


def due_outbox(
    session: Session,
    *,
    limit: int,
    now: datetime,
    channels: tuple[str, ...] | None = None,
) -> list[int]:
    """Ids of outbox rows due for sending and held by no one, oldest first, locked on PostgreSQL.

    A row waits while an older row to the same chat is still pending (sending, or waiting for its
    retry), so a chat receives its messages in the order they were written.
    """
    earlier = aliased(Outbox)
    older_pending = exists().where(
        earlier.channel == Outbox.channel,
        earlier.chat_id == Outbox.chat_id,
        earlier.status == "pending",
        earlier.id < Outbox.id,
    )
    stmt = (
        select(Outbox.id)
        .where(
            Outbox.status == "pending",
            Outbox.next_attempt_at <= now,
            or_(Outbox.locked_until.is_(None), Outbox.locked_until < now),
            ~older_pending,
        )
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if channels:
        stmt = stmt.where(Outbox.channel.in_(channels))
    return list(session.scalars(_lockable(session, stmt)))


def chat_has_pending(session: Session, channel: str, chat_id: str) -> bool:
    """Whether a message to this chat is still waiting to go out (a new one must queue behind it)."""
    stmt = select(Outbox.id).where(Outbox.channel == channel, Outbox.chat_id == chat_id, Outbox.status == "pending")
    return session.scalars(stmt.limit(1)).first() is not None


def pending_inbound(
    session: Session,
    *,
    channels: tuple[str, ...] | None = None,
    received_before: datetime | None = None,
    limit: int = 200,
) -> list[InboundUpdate]:
    """Stored updates no turn has handled yet (left by a crash, or waiting their turn), oldest first."""
    stmt = select(InboundUpdate).where(InboundUpdate.status == "pending").order_by(InboundUpdate.id).limit(limit)
    if channels:
        stmt = stmt.where(InboundUpdate.channel.in_(channels))
    if received_before is not None:
        stmt = stmt.where(InboundUpdate.received_at < received_before)
    return list(session.scalars(stmt))

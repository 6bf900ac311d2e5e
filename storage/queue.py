"""Reads that pick work: outbox rows due for sending, stored updates not yet handled.

The state changes live in `storage/actions/` (`delivery.py` claims and settles outbox rows). On
PostgreSQL the rows picked are locked with SKIP LOCKED until the caller's transaction ends; on
SQLite the single writer serialises the claiming transactions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, bindparam, exists, or_, select
from sqlalchemy.orm import Session, aliased

from storage.db import is_postgres
from storage.models import InboundUpdate, Outbox

# Built once: an alias made per call rebuilds a proxy of every column each time.
_earlier = aliased(Outbox, name="earlier")


def _lockable(session: Session, stmt: Select[int]) -> Select[int]:
    if is_postgres(session):
        return stmt.with_for_update(skip_locked=True)
    return stmt


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
    earlier = _earlier
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


# Asked in every conversation turn: built once (a statement object keeps its cache key).
_CHAT_PENDING = (select(Outbox.id).where(Outbox.channel == bindparam("channel"), Outbox.chat_id == bindparam("chat_id"),
                                         Outbox.status == "pending").limit(1))
_CHAT_PENDING_BESIDES = _CHAT_PENDING.where(or_(Outbox.locked_by.is_(None), Outbox.locked_by != bindparam("besides")))


def chat_has_pending(session: Session, channel: str, chat_id: str, *, besides: str | None = None) -> bool:
    """Whether a message to this chat is still waiting to go out (a new one must queue behind it).

    Rows held by the worker `besides` do not count: that worker sends a chat's messages in order.
    """
    params = {"channel": channel, "chat_id": chat_id}
    if besides is None:
        return session.execute(_CHAT_PENDING, params).first() is not None
    return session.execute(_CHAT_PENDING_BESIDES, {**params, "besides": besides}).first() is not None


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

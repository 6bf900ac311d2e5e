"""Enqueue messages to citizens, in the caller's transaction (transactional outbox)."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from storage.actions import delivery
from storage.clock import utcnow
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
    inbound_id: int | None = None,
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
        buttons=buttons or None,
        inbound_id=inbound_id,
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


_TABLE = cast(Table, Outbox.__table__)
_COLUMNS = tuple(c.key for c in _TABLE.columns if c.key != "id")
# Built once (a statement object keeps its cache key).
_INSERT_RETURNING_ID = insert(_TABLE).returning(_TABLE.c.id, _TABLE.c.idempotency_key)


def enqueue_replies(
    session: Session,
    *,
    inbound_id: int,
    channel: str,
    chat_id: str,
    citizen_id: int,
    replies: list[tuple[str, list[list[dict[str, str]]]]],
    hold_for: str | None = None,
    lease: timedelta = delivery.LEASE,
    delivered: bool = False,
) -> list[Outbox]:
    """The replies of the turn that handled `inbound_id`, as (text, buttons), in order.

    `hold_for` claims them for a worker that sends them right after the commit; `delivered` marks
    them delivered at once (the caller shows them in its response). The caller has claimed
    `inbound_id` in this transaction, so no row with these keys exists: the rows are inserted
    without looking the keys up first (the unique key still refuses a second copy).
    """
    now = utcnow()
    rows = [Outbox(channel=channel, chat_id=chat_id, text=text, buttons=buttons or None,
                   idempotency_key=f"turn:{inbound_id}:{i}", citizen_id=citizen_id, inbound_id=inbound_id,
                   next_attempt_at=now, created_at=now, status="pending", attempts=0)
            for i, (text, buttons) in enumerate(replies)]
    for row in rows:
        if delivered:
            row.status = "sent"
            row.delivered_at = now
        elif hold_for is not None:
            delivery.hold(row, hold_for, lease=lease, now=now)
    if not rows:
        return rows
    # Written with one statement on the table, without the session's unit of work (a turn's
    # fixed cost); the rows returned are detached copies carrying their new ids.
    values = [{key: getattr(row, key) for key in _COLUMNS} for row in rows]
    ids = {key: int(i) for i, key in session.connection().execute(_INSERT_RETURNING_ID, values)}
    for row in rows:
        row.id = ids[row.idempotency_key]
    return rows

"""The outbox's state machine: claim a row for sending, keep the claim, settle the outcome.

pending --claim--> pending, held by one worker (locked_by, locked_until) --sent--> sent
                                                                   \\--error--> pending later, or failed
failed --an organiser retries--> pending

A claim is a lease: the worker renews it while the row waits (a paused channel, a slow send), and
a worker that lost its lease does not send, so a row is never sent by two workers at once.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import queue
from storage.clock import utcnow
from storage.models import Outbox

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)


def claim(
    session: Session,
    worker: str,
    *,
    limit: int = 50,
    lease: timedelta = LEASE,
    channels: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> list[Outbox]:
    """Claim due rows for `worker`; each claim counts as one attempt."""
    now = now or utcnow()
    ids = queue.due_outbox(session, limit=limit, now=now, channels=channels)
    if not ids:
        return []
    rows = list(session.scalars(select(Outbox).where(Outbox.id.in_(ids)).order_by(Outbox.id)))
    for row in rows:
        row.locked_by = worker
        row.locked_until = now + lease
        row.attempts += 1
    session.flush()
    return rows


def hold(row: Outbox, worker: str, *, lease: timedelta = LEASE, now: datetime | None = None) -> None:
    """Claim a row being written in this transaction, for a worker that sends it right after the commit."""
    row.locked_by = worker
    row.locked_until = (now or utcnow()) + lease
    row.attempts = 1


def renew(session: Session, ids: Collection[int], worker: str, *, lease: timedelta = LEASE) -> set[int]:
    """Extend `worker`'s leases on `ids`; the ids it still holds (a lost lease is not renewed)."""
    if not ids:
        return set()
    result = session.execute(
        update(Outbox)
        .where(Outbox.id.in_(list(ids)), Outbox.locked_by == worker, Outbox.status == "pending")
        .values(locked_until=utcnow() + lease)
        .returning(Outbox.id)
    )
    return {int(i) for i in result.scalars()}


def mark_delivered(session: Session, ids: Collection[int]) -> None:
    """The platform accepted these messages (or the page showed them)."""
    if not ids:
        return
    session.execute(
        update(Outbox)
        .where(Outbox.id.in_(list(ids)), Outbox.status != "sent")
        .values(status="sent", delivered_at=utcnow(), locked_by=None, locked_until=None, last_error=None)
    )


def _held(session: Session, outbox_id: int, worker: str | None) -> Outbox | None:
    row = session.get(Outbox, outbox_id)
    if row is None or row.status != "pending" or (worker is not None and row.locked_by != worker):
        return None
    return row


def mark_failed(
    session: Session,
    outbox_id: int,
    error: str,
    *,
    retry_after: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    permanent: bool = False,
    worker: str | None = None,
) -> None:
    """Record a failed attempt: retry with exponential backoff, or give up after `max_attempts`."""
    row = _held(session, outbox_id, worker)
    if row is None:
        return
    row.last_error = error[:1000]
    row.locked_by = None
    row.locked_until = None
    if permanent or row.attempts >= max_attempts:
        row.status = "failed"
    else:
        delay = retry_after if retry_after is not None else min(2 ** row.attempts, 3600)
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
    session.flush()


def postpone(session: Session, outbox_id: int, seconds: float, reason: str, *, worker: str | None = None) -> None:
    """The platform asked us to wait (HTTP 429): try again later without spending an attempt."""
    row = _held(session, outbox_id, worker)
    if row is None:
        return
    row.attempts = max(0, row.attempts - 1)
    row.locked_by = None
    row.locked_until = None
    row.last_error = reason[:1000]
    row.next_attempt_at = utcnow() + timedelta(seconds=max(0.0, seconds))
    session.flush()


def release(session: Session, outbox_id: int, worker: str) -> None:
    """Give a claimed row back unsent (it must wait behind an older message): no attempt spent."""
    row = _held(session, outbox_id, worker)
    if row is None:
        return
    row.attempts = max(0, row.attempts - 1)
    row.locked_by = None
    row.locked_until = None
    session.flush()


def retry(session: Session, outbox_id: int) -> None:
    """An organiser asks to try a failed message again."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.status == "sent":
        return
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.locked_by = None
    row.locked_until = None
    session.flush()

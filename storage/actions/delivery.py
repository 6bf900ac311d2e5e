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
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

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


# Built once on the table (a statement object keeps its cache key): the worker runs them for every
# batch it sends, in a transaction of their own, where no loaded row needs to follow them.
_TABLE = cast(Table, Outbox.__table__)
_RENEW = (update(_TABLE)
          .where(_TABLE.c.id.in_(bindparam("ids", expanding=True)), _TABLE.c.locked_by == bindparam("worker"),
                 _TABLE.c.status == "pending")
          .values(locked_until=bindparam("until"))
          .returning(_TABLE.c.id))
_DELIVERED = (update(_TABLE)
              .where(_TABLE.c.id.in_(bindparam("ids", expanding=True)), _TABLE.c.status != "sent")
              .values(status="sent", delivered_at=bindparam("now"), locked_by=None, locked_until=None,
                      last_error=None))


def _before_update(session: Session, ids: Collection[int]) -> None:
    """Before a statement on the table: what the session holds is written first, and rows of `ids`
    it has loaded are read again after (as the ORM's own UPDATE would do)."""
    session.flush()
    for i in ids:
        row = session.identity_map.get(identity_key(Outbox, i))
        if row is not None:
            session.expire(row)


def renew(session: Session, ids: Collection[int], worker: str, *, lease: timedelta = LEASE) -> set[int]:
    """Extend `worker`'s leases on `ids`; the ids it still holds (a lost lease is not renewed)."""
    if not ids:
        return set()
    _before_update(session, ids)
    result = session.connection().execute(_RENEW, {"ids": list(ids), "worker": worker, "until": utcnow() + lease})
    return {int(i) for i in result.scalars()}


def mark_delivered(session: Session, ids: Collection[int]) -> None:
    """The platform accepted these messages (or the page showed them)."""
    if not ids:
        return
    _before_update(session, ids)
    session.connection().execute(_DELIVERED, {"ids": list(ids), "now": utcnow()})


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

"""Send rates shared by every worker process through the database (PostgreSQL).

Each key (a channel, or a channel's chat) keeps the next free moment to send. Reserving a slot
moves it on by one step in a single atomic upsert, so N workers together keep one pace, and a
429 from the platform pushes the channel's next moment past the pause for every worker at once.
Times are the database's clock, so workers on several hosts agree.
"""

from __future__ import annotations

from sqlalchemy import Result, delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from storage.models import RateSlot

_NOW = func.extract("epoch", func.clock_timestamp())


def reserve(session: Session, steps: dict[str, tuple[float, float]]) -> float:
    """Take the next slot of every key in `steps`; seconds to wait before sending.

    `steps` maps a key to (seconds between sends, burst): a send may leave up to `burst` seconds
    ahead of the key's pace (the generic cell rate algorithm), so a chat may get a few at once.
    """
    if not steps:
        return 0.0
    ins = insert(RateSlot).values([{"key": k, "next_at": _NOW + s, "step": s} for k, (s, _) in sorted(steps.items())])
    upsert = ins.on_conflict_do_update(
        index_elements=[RateSlot.key],
        set_={"next_at": func.greatest(RateSlot.next_at, _NOW) + ins.excluded.step, "step": ins.excluded.step},
    )
    # next_at - step is the key's pace before this send: max(previous next moment, now).
    result: Result[str, float, float] = session.execute(upsert.returning(
        RateSlot.key, RateSlot.next_at - RateSlot.step, literal_column("extract(epoch from clock_timestamp())")))
    waits = [max(float(paced) - steps[key][1], float(now)) - float(now) for key, paced, now in result.all()]
    return max(0.0, *waits)


def paused_for(session: Session, key: str) -> float:
    """Seconds before `key` may send again: what is left of a pause (0 when none)."""
    ahead = session.scalar(select(RateSlot.next_at - _NOW).where(RateSlot.key == key))
    return max(0.0, float(ahead or 0.0))


def pause(session: Session, key: str, seconds: float) -> None:
    """Nothing is sent on `key` for `seconds` from now (the platform said "too many requests")."""
    ins = insert(RateSlot).values(key=key, next_at=_NOW + seconds, step=0.0)
    session.execute(ins.on_conflict_do_update(
        index_elements=[RateSlot.key],
        set_={"next_at": func.greatest(RateSlot.next_at, ins.excluded.next_at)},
    ))


def sweep(session: Session, older_than_seconds: float = 3600.0) -> int:
    """Forget the slots of chats nobody has written to for a while."""
    gone = session.execute(delete(RateSlot).where(RateSlot.next_at < _NOW - older_than_seconds).returning(RateSlot.key))
    return len(gone.all())

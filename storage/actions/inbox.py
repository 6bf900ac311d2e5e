"""The durable inbox: every update a channel hands us is stored before it is handled, and handled once.

`store` runs in its own short transaction as soon as an update arrives (a getUpdates batch, a
webhook call, a web chat POST); `claim` runs first in the transaction of the conversation turn
that handles it. On PostgreSQL the claiming UPDATE locks the row, so a second delivery of the same
update waits for the first turn to commit and then finds it handled.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.actions.rows import add_or_existing
from storage.clock import utcnow
from storage.models import InboundUpdate, Outbox

PENDING = "pending"
HANDLED = "handled"
# The turn failed on a bug; the citizen was told, and the update is not tried again.
FAILED = "failed"


def store(
    session: Session, *, channel: str, update_id: str, user_id: str, chat_id: str, payload: dict[str, Any]
) -> tuple[InboundUpdate, bool]:
    """Record one update; (the row, True) when it is new, (the stored row, False) for a redelivery."""
    key = update_id[:64]
    existing = select(InboundUpdate).where(InboundUpdate.channel == channel, InboundUpdate.update_id == key)
    found = session.scalars(existing).first()
    if found is not None:
        return found, False
    row = InboundUpdate(channel=channel, update_id=key, user_id=user_id[:128], chat_id=chat_id[:128],
                        payload=payload, status=PENDING, received_at=utcnow())
    stored = add_or_existing(session, row, existing)
    return stored, stored is row


def claim(session: Session, inbound_id: int, *, outcome: str = HANDLED) -> bool:
    """Take the update for this transaction's turn; False when another turn already handled it."""
    result = session.execute(
        update(InboundUpdate)
        .where(InboundUpdate.id == inbound_id, InboundUpdate.status == PENDING)
        .values(status=outcome, handled_at=utcnow())
        .returning(InboundUpdate.id)
    )
    return result.scalars().first() is not None


def replies_to(session: Session, inbound_id: int) -> list[Outbox]:
    """The messages the turn that handled this update wrote, in order (a redelivery gets them again)."""
    stmt = select(Outbox).where(Outbox.inbound_id == inbound_id).order_by(Outbox.id)
    return list(session.scalars(stmt))

"""The durable inbox: every update a channel hands us is stored before it is handled, and handled once.

`store` runs in its own short transaction as soon as an update arrives (a getUpdates batch, a
webhook call, a web chat POST); `claim` runs first in the transaction of the conversation turn
that handles it. On PostgreSQL the claiming UPDATE locks the row, so a second delivery of the same
update waits for the first turn to commit and then finds it handled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.db import is_postgres
from storage.models import InboundUpdate, Outbox

PENDING = "pending"
HANDLED = "handled"
# The turn failed on a bug; the citizen was told, and the update is not tried again.
FAILED = "failed"


@dataclass(frozen=True)
class NewUpdate:
    channel: str
    update_id: str
    user_id: str
    chat_id: str
    payload: dict[str, Any]


# Statements on the table, not the mapped class, where no loaded object needs to follow them: the
# ORM's bookkeeping cost more than the statements in every conversation turn.
_TABLE = cast(Table, InboundUpdate.__table__)


def _insert_new(postgres: bool) -> Any:
    insert = pg_insert if postgres else sqlite_insert
    return (insert(_TABLE).on_conflict_do_nothing(index_elements=[_TABLE.c.channel, _TABLE.c.update_id])
            .returning(_TABLE.c.id, _TABLE.c.channel, _TABLE.c.update_id))


# The statements of every message, built once: a statement object keeps its cache key, so the
# compiled form is found again without building and hashing the statement each time.
_INSERT_NEW = {postgres: _insert_new(postgres) for postgres in (False, True)}
_CLAIM = (update(_TABLE).where(_TABLE.c.id == bindparam("inbound_id"), _TABLE.c.status == PENDING)
          .values(status=bindparam("outcome"), handled_at=bindparam("now")).returning(_TABLE.c.id))


def store(session: Session, updates: Sequence[NewUpdate]) -> list[tuple[int, bool]]:
    """Record a batch of updates; per update (its row id, True) when new, (the stored id, False) for a
    redelivery. One insert that skips the keys already stored (or stored concurrently), then one look-up
    for those."""
    if not updates:
        return []
    keys = [(u.channel, u.update_id[:64]) for u in updates]
    now = utcnow()
    values = [{"channel": c, "update_id": k, "user_id": u.user_id[:128], "chat_id": u.chat_id[:128],
               "payload": u.payload, "status": PENDING, "received_at": now}
              for (c, k), u in zip(keys, updates, strict=True)]
    # The rows go as parameters of one statement (not inlined into it), so its compiled form is
    # cached instead of compiled again for every batch.
    rows = session.connection().execute(_INSERT_NEW[is_postgres(session)], values)
    inserted = {(c, k): int(i) for i, c, k in rows}
    missing = [key for key in keys if key not in inserted]
    known: dict[tuple[str, str], int] = {}
    if missing:
        found = session.execute(select(InboundUpdate.id, InboundUpdate.channel, InboundUpdate.update_id)
                                .where(tuple_(InboundUpdate.channel, InboundUpdate.update_id).in_(missing)))
        known = {(c, k): int(i) for i, c, k in found}
    out: list[tuple[int, bool]] = []
    first: set[tuple[str, str]] = set()
    for key in keys:
        # The same update twice in one batch: new once.
        new = key in inserted and key not in first
        first.add(key)
        out.append((inserted[key] if key in inserted else known[key], new))
    return out


def claim(session: Session, inbound_id: int, *, outcome: str = HANDLED) -> bool:
    """Take the update for this transaction's turn; False when another turn already handled it."""
    row = session.connection().execute(_CLAIM, {"inbound_id": inbound_id, "outcome": outcome, "now": utcnow()})
    return row.first() is not None


def replies_to(session: Session, inbound_id: int) -> list[Outbox]:
    """The messages the turn that handled this update wrote, in order (a redelivery gets them again)."""
    stmt = select(Outbox).where(Outbox.inbound_id == inbound_id).order_by(Outbox.id)
    return list(session.scalars(stmt))

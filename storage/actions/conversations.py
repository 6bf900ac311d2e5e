"""Conversation state, written by the citizen-facing bots within the turn that handles an update."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.actions.rows import add_or_existing
from storage.clock import utcnow
from storage.db import is_postgres, recall, remember
from storage.models import Conversation

_TABLE = cast(Table, Conversation.__table__)
# The statements of every turn, built once (a statement object keeps its cache key).
_BY_CITIZEN = select(Conversation).where(Conversation.citizen_id == bindparam("citizen_id"))
_BY_CITIZEN_LOCKED = _BY_CITIZEN.with_for_update()
_SAVE = (update(_TABLE).where(_TABLE.c.citizen_id == bindparam("conv_citizen"))
         .values(state=bindparam("new_state"), data=bindparam("new_data"), updated_at=bindparam("now")))
# session.info: the conversation read (and on PostgreSQL locked) together with its citizen
# (`citizens.get_or_create_citizen`), for `load_conversation` in the same transaction.
_READ_WITH_CITIZEN = "doithoai.conversation"


def read_with_citizen(session: Session, conv: Conversation) -> None:
    """`conv` was read, locked on PostgreSQL, in this transaction: `load_conversation` need not read it again."""
    remember(session, _READ_WITH_CITIZEN, conv)


def load_conversation(session: Session, citizen_id: int, initial_state: str) -> Conversation:
    """The citizen's conversation, locked for this transaction on PostgreSQL; created when missing."""
    read = recall(session, _READ_WITH_CITIZEN, forget=True)
    if read is not None and read.citizen_id == citizen_id:
        return cast(Conversation, read)
    stmt = _BY_CITIZEN_LOCKED if is_postgres(session) else _BY_CITIZEN
    conv = session.scalars(stmt, {"citizen_id": citizen_id}).first()
    if conv is not None:
        return conv
    return add_or_existing(session, Conversation(citizen_id=citizen_id, state=initial_state, data={}),
                           stmt.params(citizen_id=citizen_id))


def save_conversation(session: Session, conv: Conversation, state: str, data: dict[str, Any]) -> None:
    """Write the new state with one statement on the table, without the unit of work's bookkeeping
    (a turn's fixed cost); `conv` carries the values written."""
    session.flush()  # what else the turn changed goes first, as it did with the ORM's flush
    now = utcnow()
    session.connection().execute(_SAVE, {"conv_citizen": conv.citizen_id, "new_state": state,
                                         "new_data": dict(data), "now": now})
    set_committed_value(conv, "state", state)
    # A fresh dict, not the turn's own.
    set_committed_value(conv, "data", dict(data))
    set_committed_value(conv, "updated_at", now)

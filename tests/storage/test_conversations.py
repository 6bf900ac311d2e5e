"""A turn's conversation: read with its citizen in one statement, saved with one, in the turn's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from storage.actions import citizens, conversations
from storage.db import session_scope
from storage.models import Conversation


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _turn(session: Session, state: str, data: dict[str, object]) -> Conversation:
    citizen = citizens.get_or_create_citizen(session, channel="telegram", channel_user_id="77", chat_id="77")
    conv = conversations.load_conversation(session, citizen.id, "start")
    conversations.save_conversation(session, conv, state, data)
    return conv


def test_a_turn_reads_the_citizen_and_the_conversation_in_one_statement(engine: Engine,
                                                                        sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as s:
        first = _turn(s, "asking_question", {"draft": ["Đường ấp 3 hư"]})
        assert first.state == "asking_question"
    with statements(engine) as seen, session_scope(sessions) as s:
        conv = _turn(s, "done", {"seq": 1})
        assert (conv.state, conv.data) == ("done", {"seq": 1})
    assert seen == ["SELECT", "UPDATE"]
    with session_scope(sessions) as s:
        stored = s.scalars(select(Conversation)).one()
        assert (stored.state, stored.data) == ("done", {"seq": 1})


def test_the_conversation_read_with_the_citizen_serves_only_that_transaction(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        with s.begin():
            _turn(s, "asking_question", {"draft": ["một"]})
        with s.begin():
            citizen = citizens.get_or_create_citizen(s, channel="telegram", channel_user_id="77", chat_id="77")
        with sessions() as other, other.begin():
            _turn(other, "done", {})
        with s.begin():
            s.expire_all()
            # Read again: the one read with the citizen belonged to the transaction before.
            assert conversations.load_conversation(s, citizen.id, "start").state == "done"

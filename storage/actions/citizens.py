"""Citizens: identity per channel, consent, optional details, erasure on request."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.actions import conversations
from storage.actions.erasure import erase_copies
from storage.actions.rows import add_or_existing
from storage.actions.webchat import erase_lines
from storage.analysis import Analyzer
from storage.clock import utcnow
from storage.db import is_postgres
from storage.lookup import get_or_not_found
from storage.models import Citizen, Conversation, Question, StatusEvent
from storage.queries import satisfaction

_BY_KEY = select(Citizen).where(Citizen.channel == bindparam("channel"), Citizen.channel_user_id == bindparam("user"))
_ITS_CONVERSATION = Conversation.citizen_id == Citizen.id
# With the citizen, their conversation: in the same statement, as a turn reads both. On PostgreSQL
# its row is locked as `conversations.load_conversation` locks it; PostgreSQL locks no row on the
# nullable side of an outer join, so there a citizen without a conversation is read alone after.
_WITH_CONVERSATION = {
    False: select(Citizen, Conversation, satisfaction.ANY_UNRATED).outerjoin(Conversation, _ITS_CONVERSATION)
    .where(Citizen.channel == bindparam("channel"), Citizen.channel_user_id == bindparam("user")),
    True: select(Citizen, Conversation, satisfaction.ANY_UNRATED).join(Conversation, _ITS_CONVERSATION)
    .where(Citizen.channel == bindparam("channel"), Citizen.channel_user_id == bindparam("user"))
    .with_for_update(of=Conversation),
}


def get_or_create_citizen(session: Session, *, channel: str, channel_user_id: str, chat_id: str) -> Citizen:
    """The citizen writing from this channel account, created at first contact; the chat id kept current.

    Their conversation is read in the same statement (locked on PostgreSQL) and left to
    `conversations.load_conversation` in this transaction; so is whether an answer waits for their
    rating (`satisfaction.unrated`).
    """
    key = {"channel": channel, "user": channel_user_id}
    row = session.execute(_WITH_CONVERSATION[is_postgres(session)], key).first()
    citizen: Citizen | None = None
    if row is not None:
        citizen, conv, any_unrated = row
        if conv is not None:
            conversations.read_with_citizen(session, conv)
        if not any_unrated:
            satisfaction.none_unrated(session, citizen.id)
    else:
        citizen = session.scalars(_BY_KEY, key).first()
    if citizen is not None:
        if citizen.chat_id != chat_id:
            citizen.chat_id = chat_id
        return citizen
    return add_or_existing(session, Citizen(channel=channel, channel_user_id=channel_user_id, chat_id=chat_id),
                           _BY_KEY.params(key))


def give_consent(session: Session, citizen_id: int) -> Citizen:
    citizen = get_or_not_found(session, Citizen, citizen_id)
    citizen.consent_at = utcnow()
    citizen.erased_at = None
    session.flush()
    return citizen


def update_details(
    session: Session,
    citizen_id: int,
    *,
    name: str | None = None,
    phone: str | None = None,
    locality: str | None = None,
    locality_unit_id: int | None = None,
) -> Citizen:
    """Personal details are kept only with consent."""
    citizen = get_or_not_found(session, Citizen, citizen_id)
    if citizen.consent_at is None:
        return citizen
    if name is not None:
        citizen.name = name.strip()[:200] or None
    if phone is not None:
        citizen.phone = phone
    if locality is not None:
        citizen.locality = locality.strip()[:300] or None
    if locality_unit_id is not None:
        citizen.locality_unit_id = locality_unit_id
    session.flush()
    return citizen


def erase_citizen(session: Session, citizen_id: int, *, analyzer: Analyzer, upload_dir: Path | None,
                  actor: str = "citizen") -> Citizen:
    """Delete the citizen's personal data everywhere (`storage.actions.erasure`); the questions stay,
    anonymous and masked. The chat id stays, so that answers still arrive."""
    citizen = get_or_not_found(session, Citizen, citizen_id)
    erase_copies(session, citizen, analyzer=analyzer, upload_dir=upload_dir)
    erase_lines(session, citizen.id)  # the web chat's transcript holds what the citizen typed
    citizen.name = None
    citizen.phone = None
    citizen.locality = None
    citizen.locality_unit_id = None
    citizen.consent_at = None
    citizen.origin = None
    citizen.erased_at = utcnow()
    for qid in session.scalars(select(Question.id).where(Question.citizen_id == citizen.id)):
        session.add(StatusEvent(question_id=qid, kind="erase", actor=actor, note="Xóa dữ liệu cá nhân"))
    session.flush()
    return citizen

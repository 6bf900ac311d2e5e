"""Typed SQLAlchemy models: the whole data model of doithoai."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.clock import UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Unit(Base):
    """An administrative unit (tỉnh, huyện, xã...) in a tree of any depth."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Materialised path "/1/4/9/" so that "this unit and everything below" is one prefix match.
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    former_names: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Working days an agency gets per urgency level ({"normal": 10, ...}); None keeps the defaults.
    deadline_days: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How the unit's official documents are headed and signed (Nghị định 30/2020/NĐ-CP); empty: derived
    # from the name ("ỦY BAN NHÂN DÂN" + name, "UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH").
    doc_parent_body: Mapped[str] = mapped_column(String(200), default="")
    doc_issuing_body: Mapped[str] = mapped_column(String(200), default="")
    doc_symbol: Mapped[str] = mapped_column(String(40), default="")
    doc_place: Mapped[str] = mapped_column(String(100), default="")
    doc_signer_authority: Mapped[str] = mapped_column(String(200), default="")
    doc_signer_title: Mapped[str] = mapped_column(String(200), default="")
    doc_signer_name: Mapped[str] = mapped_column(String(200), default="")
    # Standing recipients of its documents, one per line ("Thường trực Tỉnh ủy").
    doc_recipients: Mapped[str] = mapped_column(Text, default="")

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")


class Agency(Base):
    """A responsible agency (cơ quan, đơn vị) belonging to a unit."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()


class Meeting(Base):
    """A dialogue meeting (hội nghị tiếp xúc, đối thoại)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    chair: Mapped[str] = mapped_column(String(200), default="")
    target_group: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    intake_until: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    attendance: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()


class Citizen(Base):
    """A person writing to a channel; every personal field is optional."""

    __tablename__ = "citizens"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    locality: Mapped[str | None] = mapped_column(String(300))
    locality_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    consent_at: Mapped[datetime | None] = mapped_column()
    language: Mapped[str] = mapped_column(String(8), default="vi")
    erased_at: Mapped[datetime | None] = mapped_column()
    # A keyed hash of the network address the web chat last saw (never the address itself), so the
    # flood limit also holds for a citizen who drops the cookie and comes back as someone new.
    origin: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(Base):
    """One question, opinion or petition (ý kiến, kiến nghị) sent by a citizen."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_queue", "unit_id", "status", "duplicate_of_id"),
        Index("ix_questions_meeting_status", "meeting_id", "status"),
        # Per field of a unit's meetings, read from the index alone (SQLite reads ix_questions_console).
        Index("ix_questions_meeting_fields", "meeting_id", "status", "confirmed_field", "suggested_field").ddl_if(
            dialect="postgresql"),
        # On SQLite the migration adds search_text to this index as well.
        Index("ix_questions_console", "meeting_id", "duplicate_of_id", "status", "confirmed_field", "suggested_field",
              "created_at", "needs_review", "channel", "unit_id", "confidence"),
        Index("ix_questions_agency_due", "agency_id", "duplicate_of_id", "status", "due_date", "meeting_id",
              "resolved_at"),
        Index("ix_questions_proposed", "proposed_duplicate_of_id"),
        Index("ix_questions_created_cover", "created_at", "meeting_id", "status"),
        Index("ix_questions_proposal_pending", "proposal_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str | None] = mapped_column(String(32), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    original_text: Mapped[str] = mapped_column(Text)
    normalized_text: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    suggested_field: Mapped[str | None] = mapped_column(String(40), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    alternatives: Mapped[list[Any] | None] = mapped_column(JSON)
    confirmed_field: Mapped[str | None] = mapped_column(String(40), index=True)
    # The field the citizen picked in the chat: their choice, not an organiser's confirmation, so it
    # neither clears needs_review nor counts as a correction for training.
    citizen_field: Mapped[str | None] = mapped_column(String(40))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    proposed_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    proposed_similarity: Mapped[float | None] = mapped_column(Float)
    # Not yet compared with its meeting's open questions (storage.actions.proposals does it, in batches).
    proposal_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    status_note: Mapped[str | None] = mapped_column(Text)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    urgency: Mapped[str | None] = mapped_column(String(16))
    # When the first change of status to resolved was recorded (the same time as that event); set by
    # storage.actions.questions._event, never cleared, for the agencies' on-time rate.
    resolved_at: Mapped[datetime | None] = mapped_column()
    answered_at_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    # The organisers' short wording of the question (of the group, on its primary); the original is kept.
    summary: Mapped[str | None] = mapped_column(Text)
    # When its answer was published on the meeting's public page (and in Open311 without a key).
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    # The citizen's latest rating of an answer (None: not rated), and how many times the question was
    # re-opened (by its citizen's "Chưa hài lòng" or by an organiser); written by storage.actions.ratings.
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Where the problem is, when a client says (Open311 address_string, lat/long).
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)

    meeting: Mapped[Meeting] = relationship()
    unit: Mapped[Unit] = relationship()
    citizen: Mapped[Citizen | None] = relationship()
    agency: Mapped[Agency | None] = relationship()
    duplicate_of: Mapped[Question | None] = relationship(
        remote_side="Question.id", foreign_keys=[duplicate_of_id]
    )

    @property
    def field(self) -> str | None:
        return self.confirmed_field or self.suggested_field


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_ref: Mapped[str] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(300))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusEvent(Base):
    """The audit trail: every change of status, field, assignment, unit, merge or reply."""

    __tablename__ = "status_events"
    __table_args__ = (Index("ix_status_events_outcome", "to_value", "kind", "question_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_value: Mapped[str | None] = mapped_column(String(200))
    to_value: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Rating(Base):
    """A citizen asked, in the chat, whether an answer to their question satisfied them.

    One row per answer with a final status and asking citizen: `satisfied` is None while the citizen
    has not answered; "Chưa hài lòng" keeps the citizen's reason and re-opens the question.
    """

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("question_id", "reply_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"))
    status: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(index=True)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ChatLine(Base):
    """The web chat's transcript, so that a reload shows the conversation again; erased with the citizen."""

    __tablename__ = "chat_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    sender: Mapped[str] = mapped_column(String(8))  # "citizen" or "bot"
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    quote: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Reply(Base):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    official: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplyQuestion(Base):
    __tablename__ = "reply_questions"

    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True, index=True)


class Outbox(Base):
    """One message to deliver to a citizen (transactional outbox).

    A row is claimed by one worker at a time (`locked_by` until `locked_until`); the worker renews
    the lease while the row waits, so a long pause of the channel never lets a second worker send it.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "channel", "chat_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    # Choices offered with the message ([[{"label", "data"}, ...], ...]): buttons where the channel
    # has them, numbered lines where it has not.
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"), index=True)
    # The citizen's message this row answers, for a reply made in a conversation turn.
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_updates.id"), index=True)
    # Set for a notice to a console user (e-mail or their linked chat), None for a citizen's message.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(40))
    locked_until: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    """Where a citizen's chat stands, so a restart or a second instance continues it."""

    __tablename__ = "conversations"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboundUpdate(Base):
    """Every update a channel handed us (a message, a button, a webhook call), stored before it is handled.

    `pending` until one conversation turn handles it; the unique key makes a redelivered update a no-op,
    and a restart picks up what was stored but never handled.
    """

    __tablename__ = "inbound_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"), Index("ix_inbound_pending", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    # The channel-neutral message (bot.messages.Incoming as a dict); emptied when the citizen is erased.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column()


class RateSlot(Base):
    """The next free moment to send on one channel or to one chat, shared by every worker process."""

    __tablename__ = "rate_slots"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    # Seconds since the epoch, by the database's clock, so that workers on several hosts agree.
    next_at: Mapped[float] = mapped_column(Float)
    step: Mapped[float] = mapped_column(Float)


class User(Base):
    """An account of the organiser console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfficerChat(Base):
    """A console user's own Telegram or Zalo chat that receives the same notices as their e-mail.

    Created with a one-time `code`; the bot fills in `chat_id` when the user sends that code.
    """

    __tablename__ = "officer_chats"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(128))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    code_until: Mapped[datetime | None] = mapped_column()
    linked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class AnswerTemplate(Base):
    """A reusable answer for a field, offered in the answer composer."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    field: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgendaItem(Base):
    """A question selected for a meeting's agenda, in the chair's order."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    position: Mapped[int] = mapped_column(Integer)
    official: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[Question] = relationship()


class ZaloOaToken(Base):
    """The Zalo Official Account's access and refresh tokens; Zalo rotates both at each refresh.

    `seed_fingerprint` is a hash of the configured refresh token these descend from: configuring a new
    one (after the OA was authorised again) replaces the stored pair, an unchanged setting never does.
    """

    __tablename__ = "zalo_oa_tokens"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column()
    seed_fingerprint: Mapped[str] = mapped_column(String(64))
    refreshed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:  # never the tokens
        return f"ZaloOaToken(app_id={self.app_id!r}, expires_at={self.expires_at!r})"


class Job(Base):
    """Work asked for in the console and done by the worker (e.g. retraining the classifier)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_kind_status", "kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    message: Mapped[str | None] = mapped_column(Text)


class LoginThrottle(Base):
    """Login attempts per key ("user:NAME", "addr:IP") in the current window, shared by every process."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleSession(Base):
    """A console login; the cookie holds a random token, only its hash is stored. Deleting the row ends it."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

"""A citizen's personal data erased on request, from every copy the database and the upload folder hold.

The questions stay, for the meeting's work and the report counts, but anonymous: their text is
masked (`vntext.privacy.mask_text`: phone, ID, account numbers and e-mails) and the name, phone and
locality the citizen gave are replaced wherever they were written. What the citizen typed or was
sent is cut at the root: stored updates emptied, delivered messages replaced, the web chat's
transcript, the draft and the attachments (rows and files) removed. The chat id stays, so that
answers still arrive; a message still waiting to be sent is kept, masked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import Session

from storage.actions.notify import EMAIL
from storage.analysis import Analyzer, fold
from storage.models import (
    Attachment,
    Citizen,
    Conversation,
    InboundUpdate,
    Outbox,
    Question,
    Rating,
    Reply,
    ReplyQuestion,
    StatusEvent,
)
from storage.uploads import remove_after_commit
from vntext.privacy import mask_text, personal_numbers

log = logging.getLogger("doithoai.erasure")

REMOVED = "[đã xóa]"
# What a message already delivered to the citizen reads afterwards.
DELIVERED_REMOVED = "[Nội dung đã xóa theo yêu cầu xóa dữ liệu cá nhân của người dân]"
PENDING = "pending"
_MIN_DIGITS = 6
_SEPARATORS = r"[\s.\-()]*"


@dataclass(frozen=True)
class Erased:
    questions: int
    messages: int
    updates: int
    files: int


class Scrubber:
    """Replaces the citizen's own values wherever written, then (with `mask`) masks the numbers left."""

    def __init__(self, values: Iterable[str], *, mask: bool = True) -> None:
        self.mask = mask
        values = [v for v in values if v and v.strip()]
        several = sorted({p for v in values for p in _patterns(v)}, key=len, reverse=True)
        single = sorted({_word(v) for v in values if _is_single_word(v)}, key=len, reverse=True)
        self._several = re.compile("|".join(several), re.IGNORECASE) if several else None
        self._single = re.compile("|".join(single)) if single else None

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        for pattern in (self._several, self._single):
            if pattern is not None:
                text = pattern.sub(REMOVED, text)
        return mask_text(text) if self.mask else text


def _is_single_word(value: str) -> bool:
    return len(value.split()) == 1 and sum(c.isdigit() for c in value) < _MIN_DIGITS and len(value.strip()) >= 2


def _word(value: str) -> str:
    # A single word ("Hoa") is matched as written: in lower case it is a common word ("hoa", a flower).
    return rf"(?<!\w){re.escape(value.strip())}(?!\w)"


def _patterns(value: str) -> list[str]:
    value = " ".join(value.split())
    digits = re.sub(r"\D", "", value)
    if len(digits) >= _MIN_DIGITS and len(digits) * 2 >= len(re.sub(r"\s", "", value)):
        # A number, however it is spaced or dotted; a phone also in its +84 form.
        forms = {digits, "84" + digits[1:]} if digits.startswith("0") else {digits}
        return [r"(?<!\d)\+?" + _SEPARATORS.join(re.escape(d) for d in form) + r"(?!\d)" for form in forms]
    if len(value.split()) < 2:
        return []
    forms = {value, fold(value)}
    return [r"(?<!\w)" + r"\s+".join(re.escape(w) for w in form.split()) + r"(?!\w)" for form in forms]


def _own_values(session: Session, citizen: Citizen, question_ids: list[int]) -> list[str]:
    """The name, phone and locality the citizen gave, and the personal numbers in what they wrote."""
    values = [v for v in (citizen.name, citizen.phone, citizen.locality) if v]
    texts = list(session.scalars(select(Question.original_text).where(Question.id.in_(question_ids))))
    texts += [r for r in session.scalars(select(Rating.reason).where(Rating.citizen_id == citizen.id)) if r]
    for text in texts:
        values += personal_numbers(text)
    return values


def erase_copies(session: Session, citizen: Citizen, *, analyzer: Analyzer, upload_dir: Path | None) -> Erased:
    """Every copy of the citizen's personal data; the citizen row itself is the caller's to clear."""
    own = list(session.scalars(select(Question.id).where(Question.citizen_id == citizen.id)))
    values = _own_values(session, citizen, own)
    scrub = Scrubber(values)
    # Organisers' wording (answers, a group's summary) serves other askers too and may carry an office's
    # phone number: only the citizen's own values go, and the locality (a unit's name) stays.
    shared = Scrubber([v for v in values if v != citizen.locality], mask=False)
    # The citizen's questions and the primaries they were merged into (answers and summaries live there).
    group = set(own) | {q for q in session.scalars(select(Question.duplicate_of_id).where(
        Question.id.in_(own), Question.duplicate_of_id.is_not(None))) if q is not None}
    files = _drop_attachments(session, own, citizen.id)
    _scrub_questions(session, own, group, scrub, shared, analyzer)
    _scrub_rows(session, select(StatusEvent).where(StatusEvent.question_id.in_(own)), scrub,
                ("note", "from_value", "to_value"))
    _scrub_rows(session, select(StatusEvent).where(StatusEvent.question_id.in_(group - set(own))), shared,
                ("note",))
    _scrub_rows(session, select(Rating).where(Rating.citizen_id == citizen.id), scrub, ("reason",))
    reply_ids = select(ReplyQuestion.reply_id).where(ReplyQuestion.question_id.in_(group))
    _scrub_rows(session, select(Reply).where(Reply.id.in_(reply_ids)), shared, ("text",))
    messages = _scrub_outbox(session, citizen, group, scrub, shared)
    updates = _empty_updates(session, citizen)
    removed = remove_after_commit(session, upload_dir, files) if upload_dir is not None else 0
    session.flush()
    erased = Erased(questions=len(own), messages=messages, updates=updates, files=removed)
    log.info("citizen %d erased: %d questions masked, %d messages, %d stored updates, %d files", citizen.id,
             erased.questions, erased.messages, erased.updates, erased.files)
    return erased


def _drop_attachments(session: Session, own: list[int], citizen_id: int) -> list[str]:
    refs = list(session.scalars(select(Attachment.file_ref).where(Attachment.question_id.in_(own))))
    session.execute(delete(Attachment).where(Attachment.question_id.in_(own)))
    conv = session.get(Conversation, citizen_id)
    if conv is not None:
        drafts = (conv.data or {}).get("attachments", [])
        refs += [str(a.get("file_ref") or "") for a in drafts if isinstance(a, dict)]
        conv.data = {}
    return refs


def _scrub_questions(session: Session, own: list[int], group: set[int], scrub: Scrubber, shared: Scrubber,
                     analyzer: Analyzer) -> None:
    for q in session.scalars(select(Question).where(Question.id.in_(group))):
        if q.id in own:
            q.original_text = scrub(q.original_text) or ""
            analysis = analyzer.analyze(q.original_text)
            q.normalized_text, q.search_text = analysis.normalized, analysis.search_text
            q.status_note = scrub(q.status_note)
            q.address = scrub(q.address)
        q.summary = scrub(q.summary) if q.id in own else shared(q.summary)


def _scrub_rows(session: Session, stmt: Select[Any], scrub: Scrubber, columns: tuple[str, ...]) -> None:
    for row in session.scalars(stmt):
        for column in columns:
            value = getattr(row, column)
            new = scrub(value)
            if new != value:
                setattr(row, column, new)


def _scrub_outbox(session: Session, citizen: Citizen, group: set[int], scrub: Scrubber, shared: Scrubber) -> int:
    """Messages to the citizen: delivered ones replaced, waiting ones kept with the citizen's values
    removed; notices to officers about the citizen's questions (and their primaries) masked. Messages to
    the other askers of a merged group are theirs and stay."""
    to_citizen = or_(Outbox.citizen_id == citizen.id,
                     (Outbox.channel == citizen.channel) & (Outbox.chat_id == citizen.chat_id)
                     & Outbox.user_id.is_(None))
    notices = Outbox.question_id.in_(group) & or_(Outbox.user_id.is_not(None), Outbox.channel == EMAIL)
    count = 0
    for row in session.scalars(select(Outbox).where(or_(to_citizen, notices))):
        theirs = row.citizen_id == citizen.id or (
            row.user_id is None and row.channel == citizen.channel and row.chat_id == citizen.chat_id)
        if theirs and row.status != PENDING:
            row.text, row.buttons, row.last_error = DELIVERED_REMOVED, None, None
        elif theirs and row.reply_id is not None:
            row.text = shared(row.text) or ""  # an answer still to deliver, as the organisers wrote it
        else:
            row.text = scrub(row.text) or ""
        count += 1
    return count


def _empty_updates(session: Session, citizen: Citizen) -> int:
    """Stored updates keep what the citizen typed; those not waiting for their turn are emptied."""
    rows = session.scalars(select(InboundUpdate).where(
        InboundUpdate.channel == citizen.channel, InboundUpdate.user_id == citizen.channel_user_id[:128],
        InboundUpdate.status != PENDING, InboundUpdate.payload.is_not(None)))
    count = 0
    for row in rows:
        row.payload = None
        count += 1
    return count

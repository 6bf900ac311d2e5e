"""Photos and documents a citizen sends with a question, and submitting a question with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.actions.questions import submit_question
from storage.analysis import Analyzer
from storage.errors import InvalidInput
from storage.lookup import get_or_not_found
from storage.models import Attachment, Question

KINDS = ("photo", "document")
MAX_PER_QUESTION = 5


@dataclass(frozen=True)
class Upload:
    """A file a citizen sent, before it belongs to a stored question."""

    kind: str
    file_ref: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file_ref": self.file_ref, "file_name": self.file_name,
                "mime_type": self.mime_type, "size": self.size}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Upload:
        return cls(kind=str(data["kind"]), file_ref=str(data.get("file_ref") or ""), file_name=data.get("file_name"),
                   mime_type=data.get("mime_type"), size=data.get("size"))


def add_attachment(
    session: Session, question_id: int, upload: Upload, *, max_bytes: int | None = None
) -> Attachment:
    if upload.kind not in KINDS:
        raise InvalidInput(f"Loại tệp đính kèm không hợp lệ: «{upload.kind}».", code="bad_attachment")
    if max_bytes is not None and upload.size is not None and upload.size > max_bytes:
        raise InvalidInput("Tệp đính kèm quá lớn.", code="attachment_too_large")
    get_or_not_found(session, Question, question_id)
    row = Attachment(question_id=question_id, kind=upload.kind, file_ref=upload.file_ref[:500],
                     file_name=(upload.file_name or None) and upload.file_name[:300], mime_type=upload.mime_type,
                     size=upload.size)
    session.add(row)
    session.flush()
    return row


def submit_with_attachments(
    session: Session,
    *,
    meeting_id: int,
    text: str,
    channel: str,
    citizen_id: int | None,
    uploads: Sequence[Upload] = (),
    idempotency_key: str | None = None,
    field: str | None = None,
    citizen_field: str | None = None,
    analyzer: Analyzer | None = None,
) -> Question:
    """Store a citizen's question and its attachments together, or nothing of them.

    A refusal (closed meeting, empty text...) rolls back only this, so the rest of the caller's
    transaction (the conversation) still commits. A repeated `idempotency_key` returns the question
    stored the first time, without attaching anything again.
    """
    if len(uploads) > MAX_PER_QUESTION:
        raise InvalidInput(f"Mỗi câu hỏi kèm tối đa {MAX_PER_QUESTION} tệp.", code="too_many_attachments")
    with session.begin_nested():
        stored = submit_question(session, meeting_id=meeting_id, text=text, channel=channel, citizen_id=citizen_id,
                                 idempotency_key=idempotency_key, field=field, citizen_field=citizen_field,
                                 analyzer=analyzer)
        attached = bool(uploads) and session.scalar(select(func.count()).where(Attachment.question_id == stored.id))
        if not attached:
            for upload in uploads:
                add_attachment(session, stored.id, upload)
    return stored

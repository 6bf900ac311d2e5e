"""Photos and documents a citizen sends with a question."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.errors import InvalidInput, NotFound
from storage.models import Attachment, Question

KINDS = ("photo", "document")


def add_attachment(
    session: Session,
    question_id: int,
    *,
    kind: str,
    file_ref: str,
    file_name: str | None = None,
    mime_type: str | None = None,
    size: int | None = None,
    max_bytes: int | None = None,
) -> Attachment:
    if kind not in KINDS:
        raise InvalidInput(f"Loại tệp đính kèm không hợp lệ: «{kind}».", code="bad_attachment")
    if max_bytes is not None and size is not None and size > max_bytes:
        raise InvalidInput("Tệp đính kèm quá lớn.", code="attachment_too_large")
    if session.get(Question, question_id) is None:
        raise NotFound(f"Không tìm thấy câu hỏi số {question_id}.")
    row = Attachment(question_id=question_id, kind=kind, file_ref=file_ref[:500],
                     file_name=(file_name or None) and file_name[:300], mime_type=mime_type, size=size)
    session.add(row)
    session.flush()
    return row

"""Historical questions from a spreadsheet: each good row kept, each bad row reported by number."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions.questions import _event, submit_question
from storage.analysis import Analyzer
from storage.errors import DomainError, InvalidInput
from storage.lookup import find_meeting_by_code
from storage.models import Reply, ReplyQuestion


@dataclass
class ImportRow:
    number: int
    meeting_code: str
    text: str
    field: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    answer: str | None = None


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_rows(
    session: Session,
    rows: Iterable[ImportRow],
    *,
    analyzer: Analyzer | None = None,
    actor: str = "import",
    known_fields: set[str] | None = None,
    progress: Callable[[], None] | None = None,
) -> ImportResult:
    result = ImportResult()
    for row in rows:
        try:
            with session.begin_nested():
                _import_one(session, row, analyzer, actor, known_fields)
            result.imported += 1
        except DomainError as exc:
            result.errors.append((row.number, exc.message))
        if progress is not None:
            progress()
    return result


def _import_one(
    session: Session, row: ImportRow, analyzer: Analyzer | None, actor: str, known_fields: set[str] | None
) -> None:
    meeting = find_meeting_by_code(session, row.meeting_code or "")
    if meeting is None:
        raise InvalidInput(f"không có hội nghị mã «{row.meeting_code}»")
    if row.field and known_fields is not None and row.field not in known_fields:
        raise InvalidInput(f"lĩnh vực «{row.field}» không có trong danh mục")
    status = (row.status or lifecycle.RECEIVED).strip()
    if status not in lifecycle.STATUSES:
        raise InvalidInput(f"trạng thái «{status}» không hợp lệ")
    question = submit_question(
        session, meeting_id=meeting.id, text=row.text, channel="import", field=row.field or None,
        analyzer=analyzer, actor=actor, check_intake=False, created_at=row.created_at,
    )
    if status != question.status:
        _event(session, question, "status", question.status, status, actor, "Nhập từ dữ liệu cũ")
        question.status = status
    if row.answer and row.answer.strip():
        reply = Reply(text=row.answer.strip(), author=actor)
        session.add(reply)
        session.flush()
        session.add(ReplyQuestion(reply_id=reply.id, question_id=question.id))
    session.flush()

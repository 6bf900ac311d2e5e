"""What the public reads: organisers' summaries of questions, and a meeting's answers published."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions.questions import _check_version, _event, _touch, family, primary_of
from storage.clock import utcnow
from storage.errors import InvalidInput, OutOfReach
from storage.models import Question, ReplyQuestion
from storage.reach import AGENCY, Reach, require_meeting, require_question

MAX_SUMMARY = 500


def _organiser(reach: Reach, what: str) -> None:
    if reach.role == AGENCY:
        raise OutOfReach(f"Chỉ Tổ giúp việc mới {what}.")


def check_summary(text: str) -> str | None:
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_SUMMARY:
        raise InvalidInput(f"Tóm tắt dài quá {MAX_SUMMARY} ký tự; anh/chị vui lòng viết ngắn lại.",
                           code="summary_too_long")
    return cleaned or None


def set_summary(session: Session, reach: Reach, question_id: int, text: str,
                expected_version: int | None = None) -> Question:
    """The organisers' short wording of a question, or of its whole group (kept on the group's primary).

    The citizen's original text is never changed; an empty summary removes it."""
    _organiser(reach, "viết tóm tắt câu hỏi")
    summary = check_summary(text)
    primary = primary_of(session, require_question(session, question_id, reach))
    _check_version(primary, expected_version)
    if summary != primary.summary:
        _event(session, primary, "summary", None, None, reach.actor, summary or "(xóa tóm tắt)")
        primary.summary = summary
        _touch(primary)
    session.flush()
    return primary


@dataclass
class Published:
    groups: int
    questions: int
    without_answer: int


PUBLISHABLE = tuple(s for s in lifecycle.STATUSES if s not in (lifecycle.REJECTED, lifecycle.WITHDRAWN))


def publish_meeting(session: Session, reach: Reach, meeting_id: int) -> Published:
    """Publish the answers of a meeting: every group with an answer, each of its questions; a group
    published before stays so, one answered since is added. Groups without an answer wait."""
    _organiser(reach, "công khai trả lời")
    meeting = require_meeting(session, meeting_id, reach)
    primaries = session.scalars(select(Question).where(
        Question.meeting_id == meeting.id, Question.duplicate_of_id.is_(None),
        Question.status.in_(PUBLISHABLE)).order_by(Question.id)).all()
    answered = set(session.scalars(select(ReplyQuestion.question_id).where(
        ReplyQuestion.question_id.in_([q.id for q in primaries])))) if primaries else set()
    now = utcnow()
    result = Published(0, 0, 0)
    for primary in primaries:
        if primary.id not in answered:
            result.without_answer += 1
            continue
        result.groups += 1
        for member in family(session, primary):
            result.questions += 1
            if member.published_at is None:
                _event(session, member, "publish", None, meeting.code, reach.actor, None)
                member.published_at = now
                _touch(member)
    session.flush()
    return result

"""Answers: one reply serves a primary and all its duplicates; every asker is told."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions import ratings
from storage.actions.outbox import notify_askers
from storage.actions.questions import _apply_status, _check_version, _touch, family, primary_of
from storage.errors import InvalidInput
from storage.lookup import get_or_not_found
from storage.models import Question, Reply, ReplyQuestion, StatusEvent
from vntext import notices


def reply(
    session: Session,
    question_id: int,
    text: str,
    *,
    author: str,
    status: str | None = None,
    official: str | None = None,
    expected_version: int | None = None,
) -> Reply:
    """Write the answer, optionally move the status, and queue one message per asker."""
    body = text.strip()
    if not body:
        raise InvalidInput("Nội dung trả lời đang trống.", code="empty_reply")
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    _check_version(question, expected_version)
    if status is not None and status != question.status:
        if status == lifecycle.RESOLVED and question.status == lifecycle.RECEIVED:
            _apply_status(session, question, lifecycle.TRIAGED, author, None, notify=False)
        _apply_status(session, question, status, author, None, notify=False)
    row = Reply(text=body, author=author, official=official)
    session.add(row)
    session.flush()
    members = family(session, question)
    for member in members:
        session.add(ReplyQuestion(reply_id=row.id, question_id=member.id))
        session.add(
            StatusEvent(question_id=member.id, kind="reply", to_value=str(row.id), actor=author, note=body[:200])
        )
        _touch(member)
    texts = {m.id: notices.answered(m.ticket or "", body, lifecycle.label(status) if status else None) for m in members}
    if question.status in lifecycle.RATED_STATUSES:
        ratings.answer_and_ask(session, members, texts, reply_id=row.id, status=question.status)
    else:
        notify_askers(session, members, texts, key=f"reply:{row.id}", reply_id=row.id)
    session.flush()
    return row

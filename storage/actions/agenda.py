"""A meeting's agenda (the chair's ordered list) and the conclusion notice sent to every asker."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions.outbox import notify_askers
from storage.actions.questions import family, primary_of
from storage.errors import ForbiddenMove, InvalidInput, OutOfReach
from storage.lookup import get_or_not_found, not_found
from storage.models import AgendaItem, AnswerTemplate, Question, Reply, ReplyQuestion, Unit
from storage.reach import AGENCY, Reach, require_meeting, require_question
from vntext import notices


def _organiser(reach: Reach) -> None:
    if reach.role == AGENCY:
        raise OutOfReach("Chỉ Tổ giúp việc mới sắp xếp chương trình hội nghị.")


def add_to_agenda(session: Session, reach: Reach, meeting_id: int, question_ids: list[int]) -> int:
    _organiser(reach)
    require_meeting(session, meeting_id, reach)
    added = 0
    last = session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)) or 0
    for qid in question_ids:
        question = primary_of(session, require_question(session, qid, reach))
        if question.meeting_id != meeting_id:
            raise ForbiddenMove(f"Câu hỏi {question.ticket} không thuộc hội nghị này.")
        exists = session.scalars(select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.question_id == question.id)).first()
        if exists is None:
            last += 1
            session.add(AgendaItem(meeting_id=meeting_id, question_id=question.id, position=last))
            added += 1
    session.flush()
    return added


def _item(session: Session, reach: Reach, item_id: int) -> AgendaItem:
    item = get_or_not_found(session, AgendaItem, item_id)
    require_meeting(session, item.meeting_id, reach)
    return item


def move_agenda_item(session: Session, reach: Reach, item_id: int, delta: int) -> AgendaItem:
    _organiser(reach)
    item = _item(session, reach, item_id)
    items = list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == item.meeting_id)
                                 .order_by(AgendaItem.position, AgendaItem.id)))
    index = items.index(item)
    target = max(0, min(len(items) - 1, index + delta))
    items.insert(target, items.pop(index))
    for position, row in enumerate(items, start=1):
        row.position = position
    session.flush()
    return item


def remove_agenda_item(session: Session, reach: Reach, item_id: int) -> None:
    _organiser(reach)
    session.delete(_item(session, reach, item_id))
    session.flush()


def set_agenda_official(session: Session, reach: Reach, item_id: int, official: str) -> AgendaItem:
    _organiser(reach)
    item = _item(session, reach, item_id)
    item.official = official.strip()[:200] or None
    session.flush()
    return item


@dataclass
class ConclusionResult:
    sent: int
    without_answer: int


def send_conclusion(session: Session, reach: Reach, meeting_id: int) -> ConclusionResult:
    """Send every asker of the meeting's answered questions their answer; repeats send nothing new."""
    _organiser(reach)
    meeting = require_meeting(session, meeting_id, reach)
    if meeting.state not in ("held", "closed"):
        raise ForbiddenMove("Chỉ gửi thông báo kết luận sau khi hội nghị đã diễn ra.", code="meeting_not_held")
    primaries = session.scalars(select(Question).where(
        Question.meeting_id == meeting.id, Question.duplicate_of_id.is_(None),
        Question.status.not_in((lifecycle.REJECTED, lifecycle.WITHDRAWN))).order_by(Question.id)).all()
    sent = without = 0
    for primary in primaries:
        answer = session.scalars(select(Reply).join(ReplyQuestion, ReplyQuestion.reply_id == Reply.id)
                                 .where(ReplyQuestion.question_id == primary.id)
                                 .order_by(Reply.created_at.desc(), Reply.id.desc())).first()
        if answer is None:
            without += 1
            continue
        members = family(session, primary)
        texts = {m.id: notices.answered(m.ticket or "", answer.text, lifecycle.label(primary.status)) for m in members}
        sent += notify_askers(session, members, texts, key=f"conclusion:{meeting.id}:{answer.id}",
                              reply_id=answer.id)
    session.flush()
    return ConclusionResult(sent=sent, without_answer=without)


def create_template(
    session: Session, reach: Reach, *, title: str, body: str, field: str | None, unit_id: int | None,
) -> AnswerTemplate:
    _organiser(reach)
    if not title.strip() or not body.strip():
        raise InvalidInput("Mẫu trả lời cần có tên và nội dung.", code="empty_template")
    if unit_id is not None:
        unit = get_or_not_found(session, Unit, unit_id)
        if not reach.covers_unit(unit):
            raise not_found(Unit, unit_id)
    row = AnswerTemplate(title=title.strip()[:200], body=body.strip(), field=field or None, unit_id=unit_id,
                         created_by=reach.actor)
    session.add(row)
    session.flush()
    return row

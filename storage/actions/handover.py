"""Handing a question over: an agency hands it back, a receiving unit takes an escalated one up."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions import notify
from storage.actions.questions import _event, _touch, family, primary_of
from storage.errors import ForbiddenMove, InvalidInput
from storage.lookup import get_or_not_found
from storage.models import Agency, Meeting, Question

MAX_REASON = 2000


def hand_back(session: Session, question_id: int, *, reason: str, actor: str) -> Question:
    """The agency returns the question to the unit's queue ("không thuộc thẩm quyền"), with its reason.

    The question and its duplicates lose the agency and the due date and go back to triaged; the
    unit's organisers are told, and the question waits in their inbox until assigned again.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Cần ghi rõ lý do trả lại, ví dụ: không thuộc thẩm quyền.", code="reason_required")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Lý do trả lại dài quá {MAX_REASON} ký tự.", code="reason_too_long")
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    if question.agency_id is None or question.status not in lifecycle.HAND_BACK_FROM:
        raise ForbiddenMove(f"Câu hỏi {question.ticket} đang ở trạng thái «{lifecycle.label(question.status)}», "
                            "không thể trả lại.", code="cannot_hand_back")
    agency = get_or_not_found(session, Agency, question.agency_id)
    for member in family(session, question):
        _event(session, member, "handback", agency.id, None, actor, reason)
        if member.status != lifecycle.TRIAGED:
            _event(session, member, "status", member.status, lifecycle.TRIAGED, actor, reason)
        member.status = lifecycle.TRIAGED
        member.status_note = reason
        member.agency_id = None
        member.due_date = None
        member.urgency = None
        _touch(member)
    session.flush()
    notify.handed_back(session, question, agency=agency, reason=reason, key=str(question.version))
    return question


def take_up(session: Session, question_id: int, meeting_id: int, *, actor: str) -> Question:
    """Put an escalated question (and its duplicates) on a meeting of the unit that now holds it."""
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    meeting = get_or_not_found(session, Meeting, meeting_id)
    if meeting.unit_id != question.unit_id:
        raise ForbiddenMove("Chỉ đưa được vào hội nghị của đơn vị đang giữ câu hỏi.", code="other_unit_meeting")
    if meeting.state == "closed":
        raise ForbiddenMove(f"Hội nghị «{meeting.title}» đã kết thúc.", code="meeting_closed")
    if question.meeting_id == meeting.id:
        return question
    old = session.get(Meeting, question.meeting_id)
    for member in family(session, question):
        _event(session, member, "moved", old.code if old else member.meeting_id, meeting.code, actor,
               f"Đưa vào hội nghị «{meeting.title}»")
        member.meeting_id = meeting.id
        _touch(member)
    session.flush()
    return question

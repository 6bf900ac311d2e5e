"""Citizens rate answers; an unsatisfied citizen (or an organiser) re-opens the question.

An answer with a final status (lifecycle.RATED_STATUSES) goes to each asking citizen with the
question "Anh/chị có hài lòng với câu trả lời không?" and two choices, and a Rating row waits for the
reply. "Chưa hài lòng" is recorded at once; the reason the citizen then gives re-opens the question:
the `reopened` move back to its agency (or to the organisers when it has none), in the audit trail
and counted in `Question.reopen_count`.

Each action checks everything before it writes, so a refusal leaves the caller's transaction as it was.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.actions import notify
from storage.actions.outbox import enqueue
from storage.actions.questions import _check_version, _touch, family, primary_of
from storage.clock import utcnow
from storage.errors import ForbiddenMove, InvalidInput, NotFound
from storage.lookup import get_or_not_found
from storage.models import Citizen, Question, Rating, StatusEvent
from vntext import notices

MAX_REASON = 2000
CITIZEN = "citizen"


def answer_and_ask(
    session: Session, members: list[Question], text_for: dict[int, str], *, reply_id: int, status: str
) -> int:
    """Send each asking citizen the answer followed by the rating question, and wait for the rating.

    Used instead of a plain notification when the answer's status is final; the message keeps the
    key a plain notification would have, so a retried call sends nothing twice.
    """
    sent = 0
    for question in members:
        citizen = session.get(Citizen, question.citizen_id) if question.citizen_id is not None else None
        if citizen is None or not citizen.chat_id:
            continue
        enqueue(session, channel=citizen.channel, chat_id=citizen.chat_id,
                text=f"{text_for[question.id]}\n\n{notices.RATING_QUESTION}", key=f"reply:{reply_id}:q{question.id}",
                citizen_id=citizen.id, question_id=question.id, reply_id=reply_id,
                buttons=notices.rating_buttons(question.id))
        exists = session.scalars(select(Rating.id).where(Rating.question_id == question.id,
                                                         Rating.reply_id == reply_id)).first()
        if exists is None:
            session.add(Rating(question_id=question.id, citizen_id=citizen.id, reply_id=reply_id, status=status,
                               asked_at=utcnow()))
        sent += 1
    session.flush()
    return sent


def _question(session: Session, question_id: int) -> Question:
    return get_or_not_found(session, Question, question_id)


def _waiting(session: Session, question: Question, citizen_id: int) -> Rating:
    """The newest rating asked of this citizen about this question."""
    if question.citizen_id != citizen_id:
        raise NotFound(f"Không tìm thấy câu hỏi mã {question.ticket} của anh/chị.")
    rating = session.scalars(
        select(Rating).where(Rating.question_id == question.id, Rating.citizen_id == citizen_id)
        .order_by(Rating.asked_at.desc(), Rating.id.desc())
    ).first()
    if rating is None:
        raise NotFound(f"Câu hỏi {question.ticket} chưa có câu trả lời để đánh giá.", code="nothing_to_rate")
    return rating


def check_rate(session: Session, question_id: int, *, citizen_id: int) -> Rating:
    """The rating waiting for this citizen's answer; refused when there is none or it was given."""
    rating = _waiting(session, _question(session, question_id), citizen_id)
    if rating.satisfied is not None:
        raise ForbiddenMove("Anh/chị đã đánh giá câu trả lời này. Cảm ơn anh/chị.", code="already_rated")
    return rating


def rate(session: Session, question_id: int, *, citizen_id: int, satisfied: bool) -> Rating:
    """Record "Hài lòng" or "Chưa hài lòng" for the latest answer to the citizen's own question."""
    rating = check_rate(session, question_id, citizen_id=citizen_id)
    question = _question(session, question_id)
    rating.satisfied = satisfied
    rating.rated_at = utcnow()
    question.satisfied = satisfied
    session.add(StatusEvent(question_id=question.id, kind="rating", actor=CITIZEN,
                            to_value="satisfied" if satisfied else "unsatisfied", at=rating.rated_at))
    _touch(question)
    session.flush()
    return rating


def reopen_by_citizen(session: Session, question_id: int, *, citizen_id: int, reason: str) -> bool:
    """The reason after "Chưa hài lòng": kept with the rating, and the question goes back to its agency.

    True when the question was re-opened; False when it had been re-opened meanwhile (by an
    organiser): the reason is kept and nothing moves.
    """
    question = _question(session, question_id)
    rating = _waiting(session, question, citizen_id)
    if rating.satisfied is not False or rating.reopened:
        raise ForbiddenMove("Câu trả lời này không chờ lý do chưa hài lòng.", code="no_reason_expected")
    text = reason.strip()[:MAX_REASON]
    rating.reason = text or None
    rating.reopened = True
    moved = primary_of(session, question).status in lifecycle.REOPENABLE
    if moved:
        reopen(session, question.id, reason=text or "Người dân chưa hài lòng với câu trả lời.", actor=CITIZEN)
    session.flush()
    return moved


def reopen(
    session: Session, question_id: int, *, reason: str, actor: str, expected_version: int | None = None
) -> Question:
    """The `reopened` move: a resolved (or not yet resolved) question and its duplicates go back to
    the agency, or to the organisers' queue when no agency holds it, with the reason in the trail."""
    text = reason.strip()
    if not text:
        raise InvalidInput("Cần ghi rõ lý do mở lại câu hỏi.", code="reason_required")
    primary = primary_of(session, _question(session, question_id))
    _check_version(primary, expected_version)
    target = lifecycle.reopen_target(primary.status, primary.agency_id is not None)
    for member in family(session, primary):
        session.add(StatusEvent(question_id=member.id, kind="reopened", from_value=member.status, to_value=target,
                                actor=actor, note=text[:MAX_REASON]))
        member.status = target
        member.status_note = text[:MAX_REASON]
        member.reopen_count += 1
        _touch(member)
    session.flush()
    notify.reopened(session, primary, reason=text, by_citizen=actor == CITIZEN, key=str(primary.version))
    return primary

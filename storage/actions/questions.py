"""Question actions: submit, triage, merge, assign, change status, escalate, withdraw, reject."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from storage import lifecycle, workdays
from storage.actions import notify
from storage.actions.outbox import notify_askers
from storage.analysis import Analyzer, PlainAnalyzer
from storage.clock import aware, utcnow
from storage.errors import ForbiddenMove, IntakeClosed, InvalidInput, NotFound, StaleVersion
from storage.lookup import get_or_not_found, not_found
from storage.models import Agency, Meeting, Question, StatusEvent, Unit
from storage.queries.questions import duplicates_of
from vntext import notices

MAX_TEXT = 10_000
OPEN_MEETING_STATES = ("open",)

# A change to one of these statuses is told to every asker of the group.
NOTIFY_STATUSES = frozenset({lifecycle.IN_PROGRESS, lifecycle.RESOLVED, lifecycle.UNRESOLVED, lifecycle.ASSIGNED})


def _event(
    session: Session, question: Question, kind: str, old: object, new: object, actor: str, note: str | None
) -> None:
    at = utcnow()
    session.add(
        StatusEvent(
            question_id=question.id,
            kind=kind,
            from_value=None if old is None else str(old),
            to_value=None if new is None else str(new),
            actor=actor,
            note=note,
            at=at,
        )
    )
    # Every change of status is recorded here, so the first one to resolved also stamps the question.
    if kind == "status" and new == lifecycle.RESOLVED and question.resolved_at is None:
        question.resolved_at = at


def root_code(session: Session, unit: Unit) -> str:
    root_id = int(unit.path.strip("/").split("/")[0]) if unit.path.strip("/") else unit.id
    root = session.get(Unit, root_id)
    return (root.code if root is not None else unit.code).upper()


def family(session: Session, primary: Question) -> list[Question]:
    """The primary question followed by every duplicate merged into it."""
    return [primary, *duplicates_of(session, primary.id)]


def primary_of(session: Session, question: Question) -> Question:
    return get_or_not_found(session, Question, question.duplicate_of_id) if question.duplicate_of_id else question


def _check_version(question: Question, expected: int | None) -> None:
    if expected is not None and expected != question.version:
        raise StaleVersion(
            f"Câu hỏi {question.ticket} vừa được người khác thay đổi. Vui lòng tải lại trang để xem "
            "nội dung mới trước khi sửa."
        )


def _touch(question: Question) -> None:
    question.version += 1
    question.updated_at = utcnow()


def check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("Nội dung câu hỏi đang trống. Anh/chị vui lòng nhập câu hỏi.", code="empty_text")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(
            f"Câu hỏi dài quá {MAX_TEXT:,} ký tự. Anh/chị vui lòng rút gọn hoặc chia thành nhiều câu hỏi.".replace(
                ",", "."
            ),
            code="text_too_long",
        )
    return cleaned


def _by_key(idempotency_key: str) -> Select[Question]:
    return select(Question).where(Question.idempotency_key == idempotency_key)


def find_by_idempotency_key(session: Session, idempotency_key: str) -> Question | None:
    """The question stored the first time this submission was made, if it was."""
    return session.scalars(_by_key(idempotency_key)).first()


def check_meeting_open(meeting: Meeting, now: datetime | None = None) -> None:
    now = now or utcnow()
    if meeting.state not in OPEN_MEETING_STATES:
        raise IntakeClosed(f"Hội nghị «{meeting.title}» hiện không nhận câu hỏi.")
    if meeting.intake_until is not None and aware(meeting.intake_until) < now:
        raise IntakeClosed(f"Hội nghị «{meeting.title}» đã hết hạn nhận câu hỏi.")


def submit_question(
    session: Session,
    *,
    meeting_id: int,
    text: str,
    channel: str,
    citizen_id: int | None = None,
    idempotency_key: str | None = None,
    field: str | None = None,
    citizen_field: str | None = None,
    analyzer: Analyzer | None = None,
    actor: str = "citizen",
    check_intake: bool = True,
    created_at: datetime | None = None,
) -> Question:
    """Store a question (classified; its proposed duplicate is looked for later, by
    `proposals.propose_pending`) and give it a ticket code.

    `field` is a field confirmed by an organiser; `citizen_field` the one the citizen picked in the
    chat, kept as their choice: it leaves the question for review when it differs from the classifier's.

    A repeated `idempotency_key` returns the question stored the first time.
    """
    if idempotency_key is not None and (existing := find_by_idempotency_key(session, idempotency_key)) is not None:
        return existing
    cleaned = check_text(text)
    # The unit comes with the meeting: the ticket's prefix is read from it.
    meeting = session.get(Meeting, meeting_id, options=[joinedload(Meeting.unit)])
    if meeting is None:
        raise not_found(Meeting, meeting_id)
    if check_intake:
        check_meeting_open(meeting)
    analyzer = analyzer or PlainAnalyzer()
    analysis = analyzer.analyze(cleaned)
    question = Question(
        meeting_id=meeting.id,
        unit_id=meeting.unit_id,
        citizen_id=citizen_id,
        channel=channel,
        original_text=cleaned,
        normalized_text=analysis.normalized,
        search_text=analysis.search_text,
        suggested_field=analysis.field,
        confidence=analysis.confidence,
        alternatives=[list(a) for a in analysis.alternatives],
        confirmed_field=field,
        citizen_field=citizen_field,
        needs_review=field is None and (analysis.needs_review or (citizen_field or analysis.field) != analysis.field),
        status=lifecycle.RECEIVED,
        idempotency_key=idempotency_key,
        proposal_pending=True,
    )
    if created_at is not None:
        question.created_at = created_at
        question.updated_at = created_at
    try:
        with session.begin_nested():
            session.add(question)
            session.flush()
    except IntegrityError:
        if idempotency_key is None:
            raise
        return session.scalars(_by_key(idempotency_key)).one()
    year = (created_at or utcnow()).year
    question.ticket = f"{root_code(session, meeting.unit)}-{year}-{question.id:06d}"
    _event(session, question, "status", None, lifecycle.RECEIVED, actor, None)
    session.flush()
    return question


def set_field(
    session: Session,
    question_id: int,
    field: str,
    *,
    actor: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> Question:
    """Confirm or correct the field; a received question becomes triaged."""
    question = get_or_not_found(session, Question, question_id)
    _check_version(question, expected_version)
    old = question.confirmed_field or question.suggested_field
    if question.confirmed_field != field:
        kind = "correction" if question.suggested_field and question.suggested_field != field else "field"
        _event(session, question, kind, old, field, actor, note)
        question.confirmed_field = field
    question.needs_review = False
    if question.status == lifecycle.RECEIVED:
        _apply_status(session, question, lifecycle.TRIAGED, actor, note, notify=False)
    _touch(question)
    session.flush()
    return question


def _apply_status(
    session: Session, question: Question, new: str, actor: str, note: str | None, *, notify: bool = True
) -> None:
    """Move a primary and its duplicates to `new`; the lifecycle check is on the primary."""
    primary = primary_of(session, question)
    lifecycle.check_move(primary.status, new)
    members = family(session, primary)
    for member in members:
        if member.status != new:
            _event(session, member, "status", member.status, new, actor, note)
            member.status = new
            member.status_note = note
            _touch(member)
    if notify and new in NOTIFY_STATUSES:
        texts = {m.id: notices.status_changed(m.ticket or "", lifecycle.label(new), note) for m in members}
        notify_askers(session, members, texts, key=f"status:{primary.id}:{new}:{primary.version}")


def change_status(
    session: Session,
    question_id: int,
    status: str,
    *,
    actor: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> Question:
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    _check_version(question, expected_version)
    if status == lifecycle.ESCALATED:
        return escalate(session, question.id, actor=actor, note=note)
    if status == lifecycle.REJECTED:
        return reject(session, question.id, reason=note or "", actor=actor)
    _apply_status(session, question, status, actor, note)
    session.flush()
    return question


def reject(session: Session, question_id: int, *, reason: str, actor: str) -> Question:
    if not reason.strip():
        raise InvalidInput("Cần ghi rõ lý do không tiếp nhận.", code="reason_required")
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    _apply_status(session, question, lifecycle.REJECTED, actor, reason, notify=False)
    members = family(session, question)
    notify_askers(
        session, members, {m.id: notices.rejected(m.ticket or "", reason) for m in members},
        key=f"rejected:{question.id}",
    )
    session.flush()
    return question


def assign(
    session: Session,
    question_id: int,
    agency_id: int,
    *,
    actor: str,
    due_date: date | None = None,
    urgency: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Question:
    """Give the question (and its duplicates) to an agency; the agency's people are notified.

    `urgency` without a `due_date` sets the due date that many working days from today.
    """
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    _check_version(question, expected_version)
    agency = get_or_not_found(session, Agency, agency_id)
    if urgency is not None:
        urgency = workdays.check_urgency(urgency)
        if due_date is None:
            unit = session.get(Unit, question.unit_id)
            days = workdays.days_for(urgency, unit.deadline_days if unit else None)
            due_date = workdays.add_working_days(workdays.today(), days)
    if question.status == lifecycle.RECEIVED:
        _apply_status(session, question, lifecycle.TRIAGED, actor, None, notify=False)
    changed = False
    for member in family(session, question):
        if member.agency_id != agency.id or member.due_date != due_date or member.urgency != urgency:
            _event(session, member, "assign", member.agency_id, agency.id, actor,
                   note or (f"Hạn xử lý {due_date:%d/%m/%Y}" if due_date else None))
            member.agency_id = agency.id
            member.due_date = due_date
            member.urgency = urgency
            _touch(member)
            changed = True
    if question.status != lifecycle.ASSIGNED:
        _apply_status(session, question, lifecycle.ASSIGNED, actor, note)
    if changed:
        notify.assigned(session, question)
    session.flush()
    return question


def merge(session: Session, primary_id: int, duplicate_ids: list[int], *, actor: str) -> Question:
    """Merge duplicates into a primary: they share its status and answer from now on."""
    primary = primary_of(session, get_or_not_found(session, Question, primary_id))
    for dup_id in duplicate_ids:
        dup = get_or_not_found(session, Question, dup_id)
        if dup.id == primary.id or dup.duplicate_of_id == primary.id:
            continue
        if dup.status in (lifecycle.REJECTED, lifecycle.WITHDRAWN):
            raise ForbiddenMove(f"Câu hỏi {dup.ticket} đã {lifecycle.label(dup.status).lower()}, không thể gộp.")
        # Anything merged into the duplicate moves under the new primary too.
        for child in family(session, dup)[1:]:
            _event(session, child, "merge", child.duplicate_of_id, primary.id, actor, None)
            child.duplicate_of_id = primary.id
            child.status = primary.status
            _touch(child)
        _event(session, dup, "merge", dup.duplicate_of_id, primary.id, actor, f"Gộp vào {primary.ticket}")
        if dup.status != primary.status:
            _event(session, dup, "status", dup.status, primary.status, actor, f"Theo câu hỏi {primary.ticket}")
        dup.duplicate_of_id = primary.id
        dup.status = primary.status
        dup.agency_id = primary.agency_id
        dup.due_date = primary.due_date
        dup.proposed_duplicate_of_id = None
        _touch(dup)
    _touch(primary)
    session.flush()
    return primary


def unmerge(session: Session, question_id: int, *, actor: str) -> Question:
    question = get_or_not_found(session, Question, question_id)
    if question.duplicate_of_id is None:
        raise ForbiddenMove(f"Câu hỏi {question.ticket} không nằm trong nhóm trùng nào.")
    _event(session, question, "merge", question.duplicate_of_id, None, actor, "Tách khỏi nhóm trùng")
    question.duplicate_of_id = None
    _touch(question)
    session.flush()
    return question


def escalate(session: Session, question_id: int, *, actor: str, note: str | None = None) -> Question:
    """Send the question (and its duplicates) to the parent unit's queue, keeping its history."""
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    unit = session.get(Unit, question.unit_id)
    if unit is None or unit.parent_id is None:
        raise ForbiddenMove("Đơn vị cao nhất không có cấp trên để chuyển.", code="no_parent_unit")
    parent = session.get(Unit, unit.parent_id)
    if parent is None:
        raise ForbiddenMove("Đơn vị cao nhất không có cấp trên để chuyển.", code="no_parent_unit")
    lifecycle.check_move(question.status, lifecycle.ESCALATED)
    members = family(session, question)
    for member in members:
        _event(session, member, "unit", unit.name, parent.name, actor, note)
        member.unit_id = parent.id
        member.agency_id = None
        member.due_date = None
    _apply_status(session, question, lifecycle.ESCALATED, actor, note, notify=False)
    notify_askers(
        session, members, {m.id: notices.escalated(m.ticket or "", parent.name) for m in members},
        key=f"escalated:{question.id}:{parent.id}",
    )
    notify.escalated(session, question, from_unit=unit, to_unit=parent, note=note)
    session.flush()
    return question


def withdraw(session: Session, ticket: str, *, citizen_id: int, actor: str = "citizen") -> Question:
    """A citizen withdraws their own question before the meeting."""
    question = session.scalars(select(Question).where(Question.ticket == ticket.strip().upper())).first()
    if question is None or question.citizen_id != citizen_id:
        raise NotFound(f"Không tìm thấy câu hỏi mã {ticket} của anh/chị.")
    meeting = session.get(Meeting, question.meeting_id)
    if meeting is not None and (meeting.state in ("held", "closed") or aware(meeting.starts_at) <= utcnow()):
        raise ForbiddenMove("Hội nghị đã diễn ra, không thể rút câu hỏi.", code="meeting_held")
    if question.status not in lifecycle.ALLOWED or lifecycle.WITHDRAWN not in lifecycle.ALLOWED[question.status]:
        raise ForbiddenMove(f"Câu hỏi {question.ticket} đang ở trạng thái «{lifecycle.label(question.status)}», "
                            "không thể rút.")
    _event(session, question, "status", question.status, lifecycle.WITHDRAWN, actor, None)
    question.status = lifecycle.WITHDRAWN
    _touch(question)
    # Its duplicates stand on their own from now on: the first becomes the new primary.
    dups = family(session, question)[1:]
    if dups:
        new_primary = dups[0]
        new_primary.duplicate_of_id = None
        for other in dups[1:]:
            other.duplicate_of_id = new_primary.id
    session.flush()
    return question


def mark_answered_at_meeting(session: Session, question_id: int, *, actor: str, value: bool = True) -> Question:
    question = primary_of(session, get_or_not_found(session, Question, question_id))
    for member in family(session, question):
        if member.answered_at_meeting != value:
            _event(session, member, "meeting", member.answered_at_meeting, value, actor, None)
            member.answered_at_meeting = value
            _touch(member)
    session.flush()
    return question

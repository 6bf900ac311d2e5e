"""The organiser console's moves: the caller's reach is checked, then one question action runs.

Every function takes the caller's Reach so that a guessed id of another unit is NotFound and a
role that may not make a move gets OutOfReach, before anything is written.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import lifecycle, workdays
from storage.actions import delivery, handover, notify, questions, ratings, replies
from storage.errors import InvalidInput, OutOfReach
from storage.lookup import get_or_not_found, not_found
from storage.models import Agency, Outbox, Question, Reply, StatusEvent, Unit
from storage.reach import ADMIN, AGENCY, Reach, require_meeting, require_question

# What an agency officer may move its assignments to.
AGENCY_STATUSES = (lifecycle.IN_PROGRESS, lifecycle.RESOLVED, lifecycle.UNRESOLVED)
BULK_OPS = ("confirm", "field", "merge", "assign", "status")


class NeedsConfirmation(InvalidInput):
    """A move that is allowed but unusual; the caller repeats it with a confirmation."""

    code = "needs_confirmation"


def _outbox_of(session: Session, question_id: int) -> list[Outbox]:
    return list(session.scalars(select(Outbox).where(Outbox.question_id == question_id)))


def _organiser_only(reach: Reach) -> None:
    if reach.role == AGENCY:
        raise OutOfReach("Cán bộ cơ quan chỉ cập nhật trạng thái và trả lời các câu hỏi được giao.")


def _check_field(field: str, fields: Collection[str]) -> str:
    field = field.strip()
    if field not in fields:
        raise InvalidInput(f"Lĩnh vực «{field}» không có trong danh mục.", code="unknown_field")
    return field


def agency_in_reach(session: Session, reach: Reach, agency_id: int) -> Agency:
    """An agency of the caller's unit, of a unit below it, or of a unit above it."""
    agency = get_or_not_found(session, Agency, agency_id)
    if reach.role == ADMIN:
        return agency
    unit = session.get(Unit, agency.unit_id)
    path = reach.unit_path or "\x00"
    if unit is None or not (unit.path.startswith(path) or path.startswith(unit.path)):
        raise not_found(Agency, agency_id)
    return agency


def set_field(
    session: Session, reach: Reach, question_id: int, field: str, fields: Collection[str],
    *, expected_version: int | None = None,
) -> Question:
    _organiser_only(reach)
    require_question(session, question_id, reach)
    return questions.set_field(session, question_id, _check_field(field, fields), actor=reach.actor,
                               expected_version=expected_version)


def confirm_field(session: Session, reach: Reach, question_id: int, fields: Collection[str]) -> Question:
    """Accept the classifier's suggestion as the field."""
    _organiser_only(reach)
    question = require_question(session, question_id, reach)
    field = question.confirmed_field or question.suggested_field
    if not field:
        raise InvalidInput(f"Câu hỏi {question.ticket} chưa có lĩnh vực gợi ý; hãy chọn lĩnh vực.",
                           code="no_suggestion")
    return questions.set_field(session, question_id, _check_field(field, fields), actor=reach.actor)


def assign(
    session: Session, reach: Reach, question_id: int, agency_id: int, *, due_date: date | None,
    urgency: str | None = None, confirm_past: bool = False, expected_version: int | None = None,
) -> Question:
    """Assign with a typed due date, or one counted in working days from the urgency level.

    A due date already past is refused unless the caller confirms it (`confirm_past`).
    """
    _organiser_only(reach)
    require_question(session, question_id, reach)
    agency = agency_in_reach(session, reach, agency_id)
    if not agency.active:
        raise InvalidInput(f"Cơ quan «{agency.name}» đã ngừng hoạt động.", code="agency_inactive")
    if due_date is not None and due_date < workdays.today() and not confirm_past:
        raise NeedsConfirmation(f"Hạn xử lý {due_date:%d/%m/%Y} đã qua. Anh/chị có chắc muốn giao với hạn này?",
                                code="confirm_past_due")
    return questions.assign(session, question_id, agency.id, actor=reach.actor, due_date=due_date,
                            urgency=urgency or workdays.NORMAL, expected_version=expected_version)


def hand_back(session: Session, reach: Reach, question_id: int, reason: str) -> Question:
    """An agency officer returns an assignment to the unit ("không thuộc thẩm quyền")."""
    require_question(session, question_id, reach)
    return handover.hand_back(session, question_id, reason=reason, actor=reach.actor)


def reopen(session: Session, reach: Reach, question_id: int, reason: str, *,
           expected_version: int | None = None) -> Question:
    """An organiser re-opens a resolved or unresolved question with a reason (back to its agency)."""
    _organiser_only(reach)
    require_question(session, question_id, reach)
    return ratings.reopen(session, question_id, reason=reason, actor=reach.actor, expected_version=expected_version)


def take_up(session: Session, reach: Reach, question_id: int, meeting_id: int) -> Question:
    """The receiving unit's organiser puts an escalated question on one of its meetings."""
    _organiser_only(reach)
    require_question(session, question_id, reach)
    require_meeting(session, meeting_id, reach)
    return handover.take_up(session, question_id, meeting_id, actor=reach.actor)


def allowed_moves(reach: Reach, status: str) -> list[str]:
    """The statuses this caller may move a question in `status` to, as the server will accept them."""
    allowed = lifecycle.ALLOWED.get(status, frozenset())
    if reach.role == AGENCY:
        allowed = allowed & set(AGENCY_STATUSES)
    return sorted(allowed, key=lifecycle.STATUSES.index)


def change_status(
    session: Session, reach: Reach, question_id: int, status: str, *, note: str | None = None,
    expected_version: int | None = None,
) -> Question:
    require_question(session, question_id, reach)
    if not status:
        raise InvalidInput("Chưa chọn trạng thái mới.", code="status_required")
    if reach.role == AGENCY and status not in AGENCY_STATUSES:
        raise OutOfReach("Cán bộ cơ quan chỉ chuyển sang: đang thực hiện, đã giải quyết, giải quyết chưa xong.")
    return questions.change_status(session, question_id, status, actor=reach.actor, note=note or None,
                                   expected_version=expected_version)


def merge(session: Session, reach: Reach, primary_id: int, duplicate_ids: list[int], *,
          confirm_fields: bool = False) -> Question:
    """Merge duplicates into a primary; questions of different fields need the caller's confirmation."""
    _organiser_only(reach)
    rows = [require_question(session, qid, reach) for qid in [primary_id, *duplicate_ids]]
    if not [d for d in duplicate_ids if d != primary_id]:
        raise InvalidInput("Cần chọn ít nhất hai câu hỏi để gộp.", code="merge_needs_two")
    fields = {q.field for q in rows if q.field}
    if len(fields) > 1 and not confirm_fields:
        raise NeedsConfirmation(
            f"Các câu hỏi thuộc {len(fields)} lĩnh vực khác nhau. Anh/chị có chắc muốn gộp? "
            f"Câu hỏi gộp vào sẽ theo lĩnh vực của câu hỏi {rows[0].ticket}.", code="confirm_cross_field")
    return questions.merge(session, primary_id, duplicate_ids, actor=reach.actor)


def unmerge(session: Session, reach: Reach, question_id: int) -> Question:
    _organiser_only(reach)
    require_question(session, question_id, reach)
    return questions.unmerge(session, question_id, actor=reach.actor)


def dismiss_proposed_duplicate(session: Session, reach: Reach, question_id: int) -> Question:
    _organiser_only(reach)
    question = require_question(session, question_id, reach)
    if question.proposed_duplicate_of_id is not None:
        session.add(StatusEvent(question_id=question.id, kind="merge", actor=reach.actor,
                                from_value=str(question.proposed_duplicate_of_id), to_value=None,
                                note="Không phải câu hỏi trùng"))
        question.proposed_duplicate_of_id = None
        question.proposed_similarity = None
        question.version += 1
    session.flush()
    return question


def reply(
    session: Session, reach: Reach, question_id: int, text: str, *, status: str | None = None,
    official: str | None = None, expected_version: int | None = None,
) -> Reply:
    require_question(session, question_id, reach)
    if reach.role == AGENCY and status is not None and status not in AGENCY_STATUSES:
        raise OutOfReach("Cán bộ cơ quan chỉ chuyển sang: đang thực hiện, đã giải quyết, giải quyết chưa xong.")
    return replies.reply(session, question_id, text, author=reach.actor, status=status or None,
                         official=official or None, expected_version=expected_version)


def mark_answered_at_meeting(session: Session, reach: Reach, question_id: int, value: bool) -> Question:
    _organiser_only(reach)
    require_question(session, question_id, reach)
    return questions.mark_answered_at_meeting(session, question_id, actor=reach.actor, value=value)


def retry_delivery(session: Session, reach: Reach, outbox_id: int) -> Outbox:
    row = get_or_not_found(session, Outbox, outbox_id)
    if row.question_id is None:
        raise not_found(Outbox, outbox_id)
    require_question(session, row.question_id, reach)
    delivery.retry(session, outbox_id)
    return row


def remind(session: Session, reach: Reach, question_id: int) -> tuple[StatusEvent, int]:
    """Remind the responsible agency: a history line, and a notice to its mailbox and officers.

    A second reminder of the same question on the same day records the line but sends nothing new.
    Returns the event and how many messages were newly enqueued.
    """
    _organiser_only(reach)
    question = questions.primary_of(session, require_question(session, question_id, reach))
    if question.agency_id is None:
        raise InvalidInput(f"Câu hỏi {question.ticket} chưa giao cơ quan nào.", code="not_assigned")
    agency = session.get(Agency, question.agency_id)
    due = f" (hạn {question.due_date:%d/%m/%Y})" if question.due_date else ""
    event = StatusEvent(question_id=question.id, kind="reminder", to_value=str(question.agency_id),
                        actor=reach.actor, note=f"Nhắc {agency.name if agency else 'cơ quan'} xử lý{due}")
    session.add(event)
    before = {r.id for r in _outbox_of(session, question.id)}
    rows = notify.reminded(session, question, by=reach.actor, today=workdays.today())
    session.flush()
    return event, len([r for r in rows if r.id not in before])


def bulk(
    session: Session, reach: Reach, op: str, ids: list[int], fields: Collection[str], *,
    field: str | None = None, agency_id: int | None = None, due_date: date | None = None,
    urgency: str | None = None, status: str | None = None, note: str | None = None, confirm: bool = False,
) -> int:
    """Apply one move to many questions in one transaction: all of them or none."""
    if op not in BULK_OPS:
        raise InvalidInput("Thao tác hàng loạt không hợp lệ.", code="bad_bulk_op")
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise InvalidInput("Chưa chọn câu hỏi nào.", code="nothing_selected")
    if op == "merge":
        rows = [require_question(session, i, reach) for i in ids]
        # The question asked first, or already asked by the most people, stays the primary.
        primary = min(rows, key=lambda q: (-len(questions.family(session, q)), q.created_at, q.id))
        merge(session, reach, primary.id, [q.id for q in rows if q.id != primary.id], confirm_fields=confirm)
        return len(ids)
    for qid in ids:
        if op == "confirm":
            confirm_field(session, reach, qid, fields)
        elif op == "field":
            set_field(session, reach, qid, field or "", fields)
        elif op == "assign":
            if agency_id is None:
                raise InvalidInput("Chưa chọn cơ quan giải quyết.", code="agency_required")
            assign(session, reach, qid, agency_id, due_date=due_date, urgency=urgency, confirm_past=confirm)
        else:
            if not status:
                raise InvalidInput("Chưa chọn trạng thái.", code="status_required")
            q = require_question(session, qid, reach)
            if q.duplicate_of_id is not None:
                continue
            change_status(session, reach, qid, status, note=note)
    return len(ids)



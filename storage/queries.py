"""Reads for the console, the bots, the CLI and reports. Every organiser-facing read takes a Reach."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from storage import lifecycle
from storage.clock import utcnow
from storage.errors import NotFound
from storage.models import (
    Agency,
    AgendaItem,
    AnswerTemplate,
    ApiKey,
    Attachment,
    Citizen,
    Conversation,
    Meeting,
    Outbox,
    Question,
    Reply,
    ReplyQuestion,
    StatusEvent,
    Unit,
    User,
)
from storage.queue import queue_statement
from storage.reach import Reach, scope_meetings, scope_questions, scope_units


def list_units(session: Session, reach: Reach) -> Sequence[Unit]:
    return session.scalars(scope_units(select(Unit), reach).order_by(Unit.path)).all()


def get_unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.code == code.strip().upper())).first()


def list_agencies(session: Session, reach: Reach, unit_id: int | None = None) -> Sequence[Agency]:
    stmt = select(Agency).join(Unit, Unit.id == Agency.unit_id)
    if reach.role == "agency":
        stmt = stmt.where(Agency.id == (reach.agency_id or -1))
    elif reach.role != "admin":
        stmt = stmt.where(Unit.path.startswith(reach.unit_path or "\x00"))
    if unit_id is not None:
        stmt = stmt.where(Agency.unit_id == unit_id)
    return session.scalars(stmt.order_by(Unit.path, Agency.name)).all()


def list_meetings(session: Session, reach: Reach, *, unit_id: int | None = None) -> Sequence[Meeting]:
    stmt = scope_meetings(select(Meeting), reach)
    if unit_id is not None:
        stmt = stmt.where(Meeting.unit_id == unit_id)
    return session.scalars(stmt.order_by(Meeting.starts_at.desc())).all()


def list_open_meetings(session: Session, now: datetime | None = None) -> Sequence[Meeting]:
    """Meetings citizens may send questions to, newest first."""
    now = now or utcnow()
    stmt = (
        select(Meeting)
        .where(Meeting.state == "open", or_(Meeting.intake_until.is_(None), Meeting.intake_until >= now))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    return session.scalars(stmt).all()


def get_meeting_by_code(session: Session, code: str) -> Meeting | None:
    return session.scalars(select(Meeting).where(Meeting.code == code.strip().upper())).first()


def get_question_by_ticket(session: Session, ticket: str, reach: Reach) -> Question:
    stmt = scope_questions(select(Question).where(Question.ticket == ticket.strip().upper()), reach)
    question = session.scalars(stmt).first()
    if question is None:
        raise NotFound(f"Không tìm thấy câu hỏi mã «{ticket}».")
    return question


def list_questions(
    session: Session,
    reach: Reach,
    *,
    meeting_id: int | None = None,
    status: str | None = None,
    field: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Sequence[Question]:
    stmt = scope_questions(select(Question), reach)
    if meeting_id is not None:
        stmt = stmt.where(Question.meeting_id == meeting_id)
    if status is not None:
        stmt = stmt.where(Question.status == status)
    if field is not None:
        stmt = stmt.where(func.coalesce(Question.confirmed_field, Question.suggested_field) == field)
    return session.scalars(stmt.order_by(Question.id).limit(limit).offset(offset)).all()


def queue(session: Session, unit: Unit, reach: Reach, *, limit: int = 50, offset: int = 0) -> Sequence[Question]:
    stmt = scope_questions(queue_statement(unit.path), reach)
    return session.scalars(stmt.limit(limit).offset(offset)).all()


def duplicates_of(session: Session, question_id: int) -> Sequence[Question]:
    return session.scalars(
        select(Question).where(Question.duplicate_of_id == question_id).order_by(Question.id)
    ).all()


def asker_count(session: Session, question_id: int) -> int:
    n = session.scalar(select(func.count()).where(Question.duplicate_of_id == question_id)) or 0
    return int(n) + 1


def events_of(session: Session, question_id: int) -> Sequence[StatusEvent]:
    return session.scalars(
        select(StatusEvent).where(StatusEvent.question_id == question_id).order_by(StatusEvent.at, StatusEvent.id)
    ).all()


def replies_of(session: Session, question_id: int) -> Sequence[Reply]:
    return session.scalars(
        select(Reply)
        .join(ReplyQuestion, ReplyQuestion.reply_id == Reply.id)
        .where(ReplyQuestion.question_id == question_id)
        .order_by(Reply.created_at, Reply.id)
    ).all()


def deliveries_of(session: Session, question_ids: Sequence[int]) -> Sequence[Outbox]:
    return session.scalars(
        select(Outbox).where(Outbox.question_id.in_(question_ids)).order_by(Outbox.id)
    ).all()


def citizen_questions(session: Session, citizen_id: int) -> Sequence[Question]:
    return session.scalars(
        select(Question).where(Question.citizen_id == citizen_id).order_by(Question.created_at.desc())
    ).all()


def status_counts(session: Session, reach: Reach, meeting_id: int | None = None) -> dict[str, int]:
    stmt = scope_questions(select(Question), reach)
    if meeting_id is not None:
        stmt = stmt.where(Question.meeting_id == meeting_id)
    sub = stmt.subquery()
    rows = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all()
    counts = {s: 0 for s in lifecycle.STATUSES}
    counts.update({str(s): int(n) for s, n in rows})
    return counts


def count_questions_since(session: Session, citizen_id: int, since: datetime) -> int:
    """How many questions a citizen sent since `since` (the flood limit)."""
    return int(
        session.scalar(
            select(func.count()).where(Question.citizen_id == citizen_id, Question.created_at >= since)
        )
        or 0
    )


def web_messages(session: Session, chat_id: str, after_id: int = 0, limit: int = 50) -> Sequence[Outbox]:
    """Messages for one web-chat citizen, oldest first (the page fetches them).

    Replies already shown in the response to the citizen's request are left out.
    """
    return session.scalars(
        select(Outbox)
        .where(Outbox.channel == "web", Outbox.chat_id == chat_id, Outbox.id > after_id,
               or_(Outbox.inbound_id.is_(None), Outbox.status == "pending"))
        .order_by(Outbox.id)
        .limit(limit)
    ).all()


def attachments_of(session: Session, question_id: int) -> Sequence[Attachment]:
    stmt = select(Attachment).where(Attachment.question_id == question_id).order_by(Attachment.id)
    return session.scalars(stmt).all()


# --- Organiser console -------------------------------------------------------------------------

QUEUE_SORTS = ("field", "askers", "new", "old", "confidence")


@dataclass
class QueueFilter:
    field: str | None = None
    status: str | None = "open"
    needs_review: bool | None = None
    channel: str | None = None
    unit_id: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    text: str | None = None
    sort: str = "field"
    page: int = 1
    per_page: int = 50


@dataclass
class QueuePage:
    rows: list[Question]
    total: int
    askers: dict[int, int]
    duplicates: dict[int, list[Question]]
    field_counts: list[tuple[str, int]]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def get_meeting(session: Session, meeting_id: int, reach: Reach) -> Meeting:
    meeting = session.scalars(scope_meetings(select(Meeting).where(Meeting.id == meeting_id), reach)).first()
    if meeting is None:
        raise NotFound(f"Không tìm thấy hội nghị số {meeting_id}.")
    return meeting


def _field_col() -> Any:
    return func.coalesce(Question.confirmed_field, Question.suggested_field, "khac")


def _queue_where(session: Session, meeting_id: int, f: QueueFilter, *, with_field: bool) -> list[Any]:
    conds: list[Any] = [Question.meeting_id == meeting_id, Question.duplicate_of_id.is_(None)]
    if f.status == "open":
        conds.append(Question.status.in_(lifecycle.OPEN_STATUSES))
    elif f.status == "closed":
        conds.append(Question.status.in_(lifecycle.CLOSED_STATUSES))
    elif f.status:
        conds.append(Question.status == f.status)
    if with_field and f.field:
        conds.append(_field_col() == f.field)
    if f.needs_review is not None:
        conds.append(Question.needs_review.is_(f.needs_review))
    if f.channel:
        conds.append(Question.channel == f.channel)
    if f.unit_id is not None:
        unit = session.get(Unit, f.unit_id)
        conds.append(Question.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit.path if unit else "\x00"))))
    if f.date_from is not None:
        conds.append(Question.created_at >= f.date_from)
    if f.date_to is not None:
        conds.append(Question.created_at < f.date_to)
    if f.text:
        pattern = "%" + f.text.replace("\\", "").replace("%", "").replace("_", " ") + "%"
        dup = aliased(Question)
        matching_dups = select(dup.duplicate_of_id).where(dup.meeting_id == meeting_id, dup.search_text.like(pattern))
        conds.append(or_(Question.search_text.like(pattern), Question.ticket == f.text.upper(),
                         Question.id.in_(matching_dups)))
    return conds


def queue_page(session: Session, reach: Reach, meeting_id: int, f: QueueFilter) -> QueuePage:
    """One page of a meeting's primaries, with asker counts, collapsed duplicates and field counts."""
    get_meeting(session, meeting_id, reach)
    conds = _queue_where(session, meeting_id, f, with_field=True)
    base = scope_questions(select(Question).where(*conds), reach)
    # Duplicates of this meeting only: a global count would scan every question of every meeting.
    counts = (
        select(Question.duplicate_of_id.label("qid"), func.count().label("n"))
        .where(Question.meeting_id == meeting_id, Question.duplicate_of_id.is_not(None))
        .group_by(Question.duplicate_of_id)
        .subquery()
    )
    stmt = base.outerjoin(counts, counts.c.qid == Question.id)
    n = func.coalesce(counts.c.n, 0)
    order: dict[str, list[Any]] = {
        "field": [_field_col(), n.desc(), Question.created_at, Question.id],
        "askers": [n.desc(), Question.created_at, Question.id],
        "new": [Question.created_at.desc(), Question.id.desc()],
        "old": [Question.created_at, Question.id],
        "confidence": [func.coalesce(Question.confidence, 0), Question.id],
    }
    per_page = max(1, min(f.per_page, 200))
    page = max(1, f.page)
    # Ids first (answered from the covering index), then the page's rows.
    page_ids = list(session.scalars(stmt.with_only_columns(Question.id).order_by(*order.get(f.sort, order["field"]))
                                    .limit(per_page).offset((page - 1) * per_page)))
    loaded = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(page_ids)))} if page_ids else {}
    rows = [loaded[i] for i in page_ids]
    ids = [q.id for q in rows]
    dups: dict[int, list[Question]] = {i: [] for i in ids}
    if ids:
        for d in session.scalars(select(Question).where(Question.duplicate_of_id.in_(ids)).order_by(Question.id)):
            if d.duplicate_of_id is not None:
                dups[d.duplicate_of_id].append(d)
    field_base = scope_questions(
        select(Question).where(*_queue_where(session, meeting_id, f, with_field=False)), reach).subquery()
    fcol = func.coalesce(field_base.c.confirmed_field, field_base.c.suggested_field, "khac")
    field_counts = [(str(a), int(b)) for a, b in session.execute(
        select(fcol, func.count()).group_by(fcol).order_by(func.count().desc(), fcol))]
    total = sum(n for code, n in field_counts if not f.field or code == f.field)
    return QueuePage(rows=rows, total=total, askers={i: len(dups[i]) + 1 for i in ids}, duplicates=dups,
                     field_counts=field_counts, page=page, per_page=per_page)


def proposed_duplicates(session: Session, reach: Reach, question: Question) -> list[tuple[Question, float]]:
    """Open questions the classifier thinks ask the same thing, in either direction."""
    out: list[tuple[Question, float]] = []
    if question.proposed_duplicate_of_id is not None:
        target = session.scalars(scope_questions(
            select(Question).where(Question.id == question.proposed_duplicate_of_id), reach)).first()
        if target is not None and target.duplicate_of_id != question.id:
            out.append((target, question.proposed_similarity or 0.0))
    # duplicate_of_id is checked in Python: in SQL it would lure the planner onto the wrong index.
    others = scope_questions(select(Question).where(Question.proposed_duplicate_of_id == question.id), reach)
    out.extend((q, q.proposed_similarity or 0.0) for q in session.scalars(others.order_by(Question.id).limit(50))
               if q.duplicate_of_id is None)
    return out


def latest_replies(session: Session, question_ids: Sequence[int]) -> dict[int, Reply]:
    out: dict[int, Reply] = {}
    if not question_ids:
        return out
    rows = session.execute(
        select(ReplyQuestion.question_id, Reply).join(Reply, Reply.id == ReplyQuestion.reply_id)
        .where(ReplyQuestion.question_id.in_(question_ids)).order_by(Reply.created_at, Reply.id)
    ).all()
    for qid, reply in rows:
        out[int(qid)] = reply
    return out


def overdue(session: Session, reach: Reach, today: date) -> list[tuple[Question, datetime | None]]:
    """Assignments past their due date, by agency, with when the agency was last reminded."""
    stmt = scope_questions(select(Question).where(
        Question.due_date < today, Question.duplicate_of_id.is_(None), Question.agency_id.is_not(None),
        Question.status.in_((lifecycle.ASSIGNED, lifecycle.IN_PROGRESS, lifecycle.UNRESOLVED))), reach)
    rows = list(session.scalars(stmt.join(Agency, Agency.id == Question.agency_id)
                                .order_by(Agency.name, Question.due_date, Question.id).limit(2000)))
    reminded = dict(session.execute(
        select(StatusEvent.question_id, func.max(StatusEvent.at))
        .where(StatusEvent.kind == "reminder", StatusEvent.question_id.in_([q.id for q in rows]))
        .group_by(StatusEvent.question_id)).all()) if rows else {}
    return [(q, reminded.get(q.id)) for q in rows]


def confirmed_examples(session: Session, reach: Reach, *, corrections_only: bool = False) -> list[tuple[str, str]]:
    """(text, field) of questions whose field an organiser confirmed; training data for the classifier."""
    stmt = scope_questions(select(Question).where(Question.confirmed_field.is_not(None)), reach)
    if corrections_only:
        stmt = stmt.where(or_(Question.suggested_field.is_(None), Question.suggested_field != Question.confirmed_field))
    sub = stmt.subquery()
    rows = session.execute(select(sub.c.original_text, sub.c.confirmed_field).order_by(sub.c.id))
    return [(str(t), str(f)) for t, f in rows]


def classifier_accuracy(session: Session, reach: Reach) -> list[tuple[str, int, int]]:
    """(confirmed field, confirmed questions with a suggestion, suggestion was right) per field."""
    sub = scope_questions(select(Question).where(
        Question.confirmed_field.is_not(None), Question.suggested_field.is_not(None)), reach).subquery()
    right = func.sum(case((sub.c.suggested_field == sub.c.confirmed_field, 1), else_=0))
    rows = session.execute(select(sub.c.confirmed_field, func.count(), right)
                           .group_by(sub.c.confirmed_field).order_by(sub.c.confirmed_field))
    return [(str(f), int(n), int(r or 0)) for f, n, r in rows]


def open311_requests(
    session: Session, reach: Reach, *, service_code: str | None = None, status: str | None = None,
    start: datetime | None = None, end: datetime | None = None, tickets: Sequence[str] = (), limit: int = 1000,
) -> Sequence[Question]:
    stmt = scope_questions(select(Question), reach)
    if tickets:
        stmt = stmt.where(Question.ticket.in_([t.strip().upper() for t in tickets]))
    if service_code:
        stmt = stmt.where(_field_col() == service_code)
    if status == "open":
        stmt = stmt.where(Question.status.in_(lifecycle.OPEN_STATUSES))
    elif status == "closed":
        stmt = stmt.where(Question.status.in_(lifecycle.CLOSED_STATUSES))
    if start is not None:
        stmt = stmt.where(Question.created_at >= start)
    if end is not None:
        stmt = stmt.where(Question.created_at <= end)
    return session.scalars(stmt.order_by(Question.created_at.desc(), Question.id.desc()).limit(limit)).all()


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.username)).all()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_api_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).all()


def list_templates(session: Session, reach: Reach, field: str | None = None) -> Sequence[AnswerTemplate]:
    stmt = select(AnswerTemplate).outerjoin(Unit, Unit.id == AnswerTemplate.unit_id)
    if reach.role != "admin":
        # Templates of the caller's unit, of the units above it, and shared ones.
        path = reach.unit_path or "\x00"
        stmt = stmt.where(or_(AnswerTemplate.unit_id.is_(None), literal(path).like(Unit.path + "%")))
    if field:
        stmt = stmt.where(or_(AnswerTemplate.field == field, AnswerTemplate.field.is_(None)))
    return session.scalars(stmt.order_by(AnswerTemplate.field, AnswerTemplate.title)).all()


def agenda_of(session: Session, meeting_id: int, reach: Reach) -> list[tuple[AgendaItem, int, Reply | None]]:
    """The meeting's agenda in order: item, askers, latest answer."""
    get_meeting(session, meeting_id, reach)
    items = list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                                 .order_by(AgendaItem.position, AgendaItem.id)))
    ids = [i.question_id for i in items]
    counts = dict(session.execute(select(Question.duplicate_of_id, func.count()).where(
        Question.duplicate_of_id.in_(ids)).group_by(Question.duplicate_of_id)).all()) if ids else {}
    answers = latest_replies(session, ids)
    return [(i, int(counts.get(i.question_id, 0)) + 1, answers.get(i.question_id)) for i in items]


def conclusion_items(session: Session, meeting_id: int, reach: Reach) -> list[tuple[Question, int, Reply | None]]:
    """The meeting's primaries (not rejected or withdrawn) by field: question, askers, latest answer."""
    get_meeting(session, meeting_id, reach)
    rows = list(session.scalars(scope_questions(select(Question).where(
        Question.meeting_id == meeting_id, Question.duplicate_of_id.is_(None),
        Question.status.not_in((lifecycle.REJECTED, lifecycle.WITHDRAWN))), reach)
        .order_by(_field_col(), Question.id)))
    ids = [q.id for q in rows]
    counts = dict(session.execute(select(Question.duplicate_of_id, func.count()).where(
        Question.duplicate_of_id.in_(ids)).group_by(Question.duplicate_of_id)).all()) if ids else {}
    answers = latest_replies(session, ids)
    return [(q, int(counts.get(q.id, 0)) + 1, answers.get(q.id)) for q in rows]


def meetings_page(
    session: Session, reach: Reach, *, unit_id: int | None = None, start: datetime | None = None,
    end: datetime | None = None,
) -> list[tuple[Meeting, int]]:
    """Meetings in reach (optionally of one unit's subtree and a period) with their question counts."""
    stmt = scope_meetings(select(Meeting), reach)
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        below = select(Unit.id).where(Unit.path.startswith(unit.path if unit else "\x00"))
        stmt = stmt.where(Meeting.unit_id.in_(below))
    if start is not None:
        stmt = stmt.where(Meeting.starts_at >= start)
    if end is not None:
        stmt = stmt.where(Meeting.starts_at < end)
    meetings = list(session.scalars(stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(500)))
    ids = [m.id for m in meetings]
    counts = dict(session.execute(select(Question.meeting_id, func.count()).where(
        Question.meeting_id.in_(ids)).group_by(Question.meeting_id)).all()) if ids else {}
    return [(m, int(counts.get(m.id, 0))) for m in meetings]


def conversations_in_state(
    session: Session, state: str, updated_before: datetime, limit: int = 500
) -> Sequence[tuple[Conversation, Citizen]]:
    """Conversations left in `state` since before `updated_before`, with their citizens."""
    rows = session.execute(
        select(Conversation, Citizen)
        .join(Citizen, Citizen.id == Conversation.citizen_id)
        .where(Conversation.state == state, Conversation.updated_at < updated_before)
        .order_by(Conversation.updated_at)
        .limit(limit)
    ).all()
    return [(conv, citizen) for conv, citizen in rows]

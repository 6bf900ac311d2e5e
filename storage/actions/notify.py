"""Notices to agencies and organisers, enqueued in the caller's transaction (transactional outbox).

Each notice goes to every recipient's e-mail and to the Telegram/Zalo chats they linked; the outbox
key holds the notice's key, so running the same move or the daily run again never sends it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import lifecycle, staff_notices, workdays
from storage.actions.outbox import enqueue
from storage.models import Agency, OfficerChat, Outbox, Question, Unit, User
from storage.reach import AGENCY, ORGANISER

EMAIL = "email"
# Statuses in which an agency still has work to do on an assignment.
AGENCY_OPEN = (lifecycle.ASSIGNED, lifecycle.IN_PROGRESS, lifecycle.UNRESOLVED)


@dataclass(frozen=True)
class Address:
    channel: str
    chat_id: str
    user_id: int | None
    who: str


def _of_users(session: Session, users: list[User]) -> list[Address]:
    out = [Address(EMAIL, u.email, u.id, f"u{u.id}") for u in users if u.email]
    if users:
        chats = session.scalars(select(OfficerChat).where(
            OfficerChat.user_id.in_([u.id for u in users]), OfficerChat.chat_id.is_not(None))).all()
        out += [Address(c.channel, c.chat_id or "", c.user_id, f"u{c.user_id}") for c in chats]
    return out


def agency_addresses(session: Session, agency_id: int) -> list[Address]:
    """The agency's own mailbox and every active officer of it (e-mail and linked chats)."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        return []
    officers = list(session.scalars(select(User).where(
        User.role == AGENCY, User.agency_id == agency_id, User.active.is_(True)).order_by(User.id)))
    out = [Address(EMAIL, agency.email, None, f"a{agency.id}")] if agency.email else []
    return out + _of_users(session, officers)


def unit_addresses(session: Session, unit_id: int) -> list[Address]:
    """Every active organiser of exactly this unit."""
    organisers = list(session.scalars(select(User).where(
        User.role == ORGANISER, User.unit_id == unit_id, User.active.is_(True)).order_by(User.id)))
    return _of_users(session, organisers)


def send(session: Session, addresses: list[Address], notice: staff_notices.Notice, *, key: str,
         question_id: int | None) -> list[Outbox]:
    """One outbox row per address; an address listed twice (or a repeated key) gets one message."""
    rows: list[Outbox] = []
    seen: set[tuple[str, str]] = set()
    for addr in addresses:
        if (addr.channel, addr.chat_id.lower()) in seen:
            continue
        seen.add((addr.channel, addr.chat_id.lower()))
        row = enqueue(session, channel=addr.channel, chat_id=addr.chat_id, text=notice.text,
                      key=f"notice:{key}:{addr.who}:{addr.channel}", question_id=question_id)
        row.user_id = addr.user_id
        rows.append(row)
    session.flush()
    return rows


def _unit_name(session: Session, unit_id: int) -> str:
    unit = session.get(Unit, unit_id)
    return unit.name if unit else "Đơn vị"


def assigned(session: Session, question: Question) -> list[Outbox]:
    """A new assignment (or a new due date) to the agency now responsible for `question`."""
    if question.agency_id is None:
        return []
    agency = session.get(Agency, question.agency_id)
    if agency is None:
        return []
    notice = staff_notices.assigned(question.ticket or "", agency.name, question.original_text, question.due_date,
                                    question.urgency, _unit_name(session, question.unit_id))
    key = f"assign:{question.id}:{agency.id}:{question.due_date or '-'}"
    return send(session, agency_addresses(session, agency.id), notice, key=key, question_id=question.id)


def reminded(session: Session, question: Question, *, by: str, today: date) -> list[Outbox]:
    """The "Nhắc" button: at most one reminder per question and day."""
    if question.agency_id is None:
        return []
    agency = session.get(Agency, question.agency_id)
    if agency is None:
        return []
    if question.due_date is not None and question.due_date < today:
        late = workdays.working_days_between(question.due_date, today)
        notice = staff_notices.overdue(question.ticket or "", agency.name, question.due_date, late, by=by)
    else:
        notice = staff_notices.reminder(question.ticket or "", agency.name, question.due_date, by)
    return send(session, agency_addresses(session, agency.id), notice, key=f"remind:{question.id}:{today}",
                question_id=question.id)


def due(session: Session, question: Question, *, today: date, soon_days: int) -> list[Outbox]:
    """The daily run: "due soon" once per due date, "overdue" once per due date."""
    if question.agency_id is None or question.due_date is None or question.status not in AGENCY_OPEN:
        return []
    agency = session.get(Agency, question.agency_id)
    if agency is None:
        return []
    ticket, due_date = question.ticket or "", question.due_date
    if due_date < today:
        late = workdays.working_days_between(due_date, today)
        notice = staff_notices.overdue(ticket, agency.name, due_date, late)
        key = f"overdue:{question.id}:{agency.id}:{due_date}"
    else:
        left = workdays.working_days_between(today, due_date)
        if left > soon_days:
            return []
        notice = staff_notices.due_soon(ticket, agency.name, due_date, left)
        key = f"due-soon:{question.id}:{agency.id}:{due_date}"
    return send(session, agency_addresses(session, agency.id), notice, key=key, question_id=question.id)


def escalated(session: Session, question: Question, *, from_unit: Unit, to_unit: Unit,
              note: str | None) -> list[Outbox]:
    notice = staff_notices.escalated(question.ticket or "", from_unit.name, to_unit.name, question.original_text,
                                     note)
    return send(session, unit_addresses(session, to_unit.id), notice, key=f"escalated:{question.id}:{to_unit.id}",
                question_id=question.id)


def reopened(session: Session, question: Question, *, reason: str | None, by_citizen: bool, key: str) -> list[Outbox]:
    """A question is re-opened (a citizen not satisfied, or an organiser): the agency that gets it back
    (if any) and the unit's organisers are told."""
    agency = session.get(Agency, question.agency_id) if question.agency_id else None
    notice = staff_notices.reopened(question.ticket or "", agency.name if agency else None, reason, by_citizen)
    addresses = (agency_addresses(session, agency.id) if agency else []) + unit_addresses(session, question.unit_id)
    return send(session, addresses, notice, key=f"reopened:{question.id}:{key}", question_id=question.id)


def handed_back(session: Session, question: Question, *, agency: Agency, reason: str, key: str) -> list[Outbox]:
    notice = staff_notices.handed_back(question.ticket or "", agency.name, reason)
    return send(session, unit_addresses(session, question.unit_id), notice, key=f"handback:{question.id}:{key}",
                question_id=question.id)


def due_questions(session: Session, *, today: date, soon_days: int, limit: int = 100_000) -> list[Question]:
    """Primary questions an agency still works on whose due date is near or past."""
    horizon = workdays.add_working_days(today, soon_days)
    return list(session.scalars(
        select(Question).where(Question.duplicate_of_id.is_(None), Question.agency_id.is_not(None),
                               Question.due_date.is_not(None), Question.due_date <= horizon,
                               Question.status.in_(AGENCY_OPEN))
        .order_by(Question.due_date, Question.id).limit(limit)))


def run_due(session: Session, *, today: date, soon_days: int) -> tuple[int, int]:
    """The daily reminder run: (questions looked at, messages newly enqueued)."""
    questions = due_questions(session, today=today, soon_days=soon_days)
    before = session.scalar(select(func.count()).select_from(Outbox)) or 0
    for question in questions:
        due(session, question, today=today, soon_days=soon_days)
    after = session.scalar(select(func.count()).select_from(Outbox)) or 0
    return len(questions), int(after) - int(before)

"""The organisers' work lists: a unit's queue and one page of a meeting's questions with filters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Subquery, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage import lifecycle
from storage.models import Meeting, Question, Unit
from storage.queries.questions import field_column
from storage.reach import AGENCY, Reach, require_meeting, scope_questions


def asker_counts() -> Subquery:
    """Subquery: question id -> how many questions (itself + duplicates) ask the same thing."""
    return (
        select(Question.duplicate_of_id.label("qid"), func.count().label("n"))
        .where(Question.duplicate_of_id.is_not(None))
        .group_by(Question.duplicate_of_id)
        .subquery()
    )


def queue_statement(unit_path: str, include_below: bool = True) -> Select[Question]:
    """Questions waiting at a unit: by meeting date, then number of askers, then age."""
    dup = asker_counts()
    units = select(Unit.id).where(Unit.path.startswith(unit_path) if include_below else Unit.path == unit_path)
    return (
        select(Question)
        .join(Meeting, Meeting.id == Question.meeting_id)
        .outerjoin(dup, dup.c.qid == Question.id)
        .where(
            Question.unit_id.in_(units),
            Question.status.in_(lifecycle.QUEUE_STATUSES),
            Question.duplicate_of_id.is_(None),
        )
        .order_by(Meeting.starts_at, func.coalesce(dup.c.n, 0).desc(), Question.created_at, Question.id)
    )


def queue(session: Session, unit: Unit, reach: Reach, *, limit: int = 50, offset: int = 0) -> Sequence[Question]:
    stmt = scope_questions(queue_statement(unit.path), reach)
    return session.scalars(stmt.limit(limit).offset(offset)).all()


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


# Five digits in a row (spaces, dots and dashes between them allowed) or an "@": in a search, only a
# phone, ID or account number or an e-mail would have them, which an agency officer reads masked.
_PERSONAL_SEARCH = re.compile(r"\d(?:[ .-]?\d){4}|@")


def _queue_where(session: Session, meeting_id: int, f: QueueFilter, *, with_field: bool,
                 masked: bool = False) -> list[Any]:
    conds: list[Any] = [Question.meeting_id == meeting_id, Question.duplicate_of_id.is_(None)]
    if f.status == "open":
        conds.append(Question.status.in_(lifecycle.OPEN_STATUSES))
    elif f.status == "closed":
        conds.append(Question.status.in_(lifecycle.CLOSED_STATUSES))
    elif f.status:
        conds.append(Question.status == f.status)
    if with_field and f.field:
        conds.append(field_column() == f.field)
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
    if f.text and masked and _PERSONAL_SEARCH.search(f.text):
        # Matching the text would tell a masked reader which question holds the number they typed.
        conds.append(Question.ticket == f.text.upper())
    elif f.text:
        pattern = "%" + f.text.replace("\\", "").replace("%", "").replace("_", " ") + "%"
        dup = aliased(Question)
        matching_dups = select(dup.duplicate_of_id).where(dup.meeting_id == meeting_id, dup.search_text.like(pattern))
        conds.append(or_(Question.search_text.like(pattern), Question.ticket == f.text.upper(),
                         Question.id.in_(matching_dups)))
    return conds


def queue_page(session: Session, reach: Reach, meeting_id: int, f: QueueFilter) -> QueuePage:
    """One page of a meeting's primaries, with asker counts, collapsed duplicates and field counts."""
    require_meeting(session, meeting_id, reach)
    masked = reach.role == AGENCY
    conds = _queue_where(session, meeting_id, f, with_field=True, masked=masked)
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
        "field": [field_column(), n.desc(), Question.created_at, Question.id],
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
        select(Question).where(*_queue_where(session, meeting_id, f, with_field=False, masked=masked)),
        reach).subquery()
    fcol = func.coalesce(field_base.c.confirmed_field, field_base.c.suggested_field, "khac")
    field_counts = [(str(a), int(b)) for a, b in session.execute(
        select(fcol, func.count()).group_by(fcol).order_by(func.count().desc(), fcol))]
    total = sum(n for code, n in field_counts if not f.field or code == f.field)
    return QueuePage(rows=rows, total=total, askers={i: len(dups[i]) + 1 for i in ids}, duplicates=dups,
                     field_counts=field_counts, page=page, per_page=per_page)

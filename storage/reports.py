"""The seed's tables, computed from the data: per level, per field, per agency."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, DateTime, Integer, any_, bindparam, case, func, select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.clock import aware
from storage.db import is_postgres
from storage.models import Agency, Meeting, Question, Unit
from storage.vnformat import vn_int, vn_pct

HELD_STATES = ("held", "closed")
COUNTED_OUT = (lifecycle.REJECTED, lifecycle.WITHDRAWN)


@dataclass
class Row:
    label: str
    meetings: int = 0
    attendances: int = 0
    questions: int = 0
    resolved: int = 0
    in_progress: int = 0
    unresolved: int = 0
    escalated: int = 0
    pending: int = 0

    @property
    def rate(self) -> str:
        return vn_pct(self.resolved, self.questions)

    def add(self, other: Row) -> None:
        for name in ("meetings", "attendances", "questions", "resolved", "in_progress", "unresolved",
                     "escalated", "pending"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label, "meetings": self.meetings, "attendances": self.attendances,
            "questions": self.questions, "resolved": self.resolved, "in_progress": self.in_progress,
            "unresolved": self.unresolved, "escalated": self.escalated, "pending": self.pending,
            "resolved_rate": self.rate,
        }

    def formatted(self) -> list[str]:
        return [self.label] + [vn_int(getattr(self, n)) for n in (
            "meetings", "attendances", "questions", "resolved", "in_progress", "unresolved", "escalated",
            "pending")] + [self.rate]


HEADERS = ["Cấp", "Hội nghị", "Lượt người dự", "Ý kiến, kiến nghị", "Đã giải quyết", "Đang thực hiện",
           "Giải quyết chưa xong", "Chuyển lên cấp trên", "Chưa xử lý", "Tỷ lệ giải quyết"]


@dataclass
class LevelReport:
    unit_name: str
    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("Tổng cộng"))


def _bucket(status: str) -> str | None:
    if status == lifecycle.RESOLVED:
        return "resolved"
    if status in (lifecycle.ASSIGNED, lifecycle.IN_PROGRESS):
        return "in_progress"
    if status == lifecycle.UNRESOLVED:
        return "unresolved"
    if status == lifecycle.ESCALATED:
        return "escalated"
    if status in (lifecycle.RECEIVED, lifecycle.TRIAGED):
        return "pending"
    return None


def per_level(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> LevelReport:
    """Meetings of `unit` and everything below, one row per level (the meeting's unit level).

    An escalated question counts where it was raised, as "chuyển lên cấp trên", like the seed.
    Questions still waiting for triage are shown as "chưa xử lý", so every row adds up.
    """
    meeting_filter = [Unit.path.startswith(unit.path)]
    if start is not None:
        meeting_filter.append(Meeting.starts_at >= start)
    if end is not None:
        meeting_filter.append(Meeting.starts_at < end)
    levels = session.execute(
        select(Unit.level, func.min(Unit.depth)).where(Unit.path.startswith(unit.path)).group_by(Unit.level)
    ).all()
    rows = {level: Row(level.capitalize()) for level, _ in sorted(levels, key=lambda r: (r[1], r[0]))}
    meeting_rows = session.execute(
        select(Unit.level, func.count(Meeting.id), func.coalesce(func.sum(Meeting.attendance), 0))
        .join(Unit, Unit.id == Meeting.unit_id)
        .where(*meeting_filter, Meeting.state.in_(HELD_STATES))
        .group_by(Unit.level)
    ).all()
    for level, count, attendance in meeting_rows:
        rows[level].meetings = int(count)
        rows[level].attendances = int(attendance or 0)
    question_rows = session.execute(
        select(Unit.level, Question.status, func.count(Question.id))
        .join(Meeting, Meeting.id == Question.meeting_id)
        .join(Unit, Unit.id == Meeting.unit_id)
        .where(*meeting_filter, Question.status.not_in(COUNTED_OUT))
        .group_by(Unit.level, Question.status)
    ).all()
    for level, status, count in question_rows:
        row = rows[level]
        row.questions += int(count)
        bucket = _bucket(status)
        if bucket:
            setattr(row, bucket, getattr(row, bucket) + int(count))
    report = LevelReport(unit_name=unit.name, rows=list(rows.values()))
    for row in report.rows:
        report.total.add(row)
    return report


def _resolved_sum() -> Any:
    return func.sum(case((Question.status == lifecycle.RESOLVED, 1), else_=0))


# --- Console reports: a period, per field, per agency with timeliness, over time ------------------


def _period(start: datetime | None, end: datetime | None) -> list[Any]:
    conds: list[Any] = []
    if start is not None:
        conds.append(Meeting.starts_at >= start)
    if end is not None:
        conds.append(Meeting.starts_at < end)
    return conds


@dataclass
class FieldRow:
    field: str
    questions: int
    resolved: int
    in_progress: int
    unresolved: int
    escalated: int

    @property
    def rate(self) -> str:
        return vn_pct(self.resolved, self.questions)


def per_field_period(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> list[FieldRow]:
    """Questions of meetings of `unit` and below in a period, per field, with their outcome."""
    field_col = func.coalesce(Question.confirmed_field, Question.suggested_field, "khac")
    rows = session.execute(
        select(field_col, Question.status, func.count(Question.id))
        .join(Meeting, Meeting.id == Question.meeting_id)
        .join(Unit, Unit.id == Meeting.unit_id)
        .where(Unit.path.startswith(unit.path), Question.status.not_in(COUNTED_OUT), *_period(start, end))
        .group_by(field_col, Question.status)
    ).all()
    out: dict[str, FieldRow] = {}
    for code, status, count in rows:
        row = out.setdefault(str(code), FieldRow(str(code), 0, 0, 0, 0, 0))
        row.questions += int(count)
        bucket = _bucket(status)
        if bucket and bucket != "pending":
            setattr(row, bucket, getattr(row, bucket) + int(count))
    return sorted(out.values(), key=lambda r: (-r.questions, r.field))


@dataclass
class AgencyRow:
    agency: str
    assigned: int
    resolved: int
    on_time: int
    due: int
    overdue_open: int

    @property
    def on_time_rate(self) -> str:
        return vn_pct(self.on_time, self.due)


def per_agency_timeliness(
    session: Session, unit: Unit, today: date, *, start: datetime | None = None, end: datetime | None = None
) -> list[AgencyRow]:
    """Per agency of `unit` and below: assigned, resolved, and resolved by the due date.

    The on-time rate counts only assignments that are due (deadline passed) or already resolved;
    a question is resolved when its first change of status to resolved was recorded (its resolved_at).
    One pass over the agency index, which holds every column read here.
    """
    agencies = dict(session.execute(
        select(Agency.id, Agency.name).join(Unit, Unit.id == Agency.unit_id).where(Unit.path.startswith(unit.path))
    ).all())
    conds: list[Any] = [Question.agency_id.in_(list(agencies)), Question.duplicate_of_id.is_(None)]
    if start is not None or end is not None:
        conds.append(Question.meeting_id.in_(select(Meeting.id).where(*_period(start, end))))
    resolved = Question.status == lifecycle.RESOLVED
    past_due = Question.due_date.is_not(None) & ~resolved & (Question.due_date < today)
    late_open = past_due & Question.status.in_(lifecycle.OPEN_STATUSES)
    resolved_due = resolved & Question.due_date.is_not(None) & Question.resolved_at.is_not(None)
    if _postgres(session):
        # Vietnam has kept UTC+7 since 1975: a fixed offset, like SQLite's, spares a zone lookup per row.
        done_day: Any = func.date(func.timezone("UTC", Question.resolved_at, type_=DateTime()) + timedelta(hours=7))
    else:
        done_day = func.date(Question.resolved_at, "+7 hours")
    on_time = resolved_due & (done_day <= Question.due_date)
    out = []
    for aid, n, r, due_open, late, due_done, ok in session.execute(
        select(Question.agency_id, func.count(), _count_if(resolved), _count_if(past_due), _count_if(late_open),
               _count_if(resolved_due), _count_if(on_time))
        .where(*conds).group_by(Question.agency_id)
    ).all():
        out.append(AgencyRow(str(agencies[aid]), int(n), int(r or 0), int(ok or 0),
                             int(due_done or 0) + int(due_open or 0), int(late or 0)))
    return sorted(out, key=lambda r: r.agency)


def _count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _postgres(session: Session) -> bool:
    return is_postgres(session)


def over_time(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> list[tuple[str, int, int]]:
    """(month "MM/YYYY", questions received, of them resolved) for questions of `unit` and below."""
    postgres = is_postgres(session)
    if postgres:
        # date_trunc is several times cheaper than to_char over a million rows.
        month: Any = func.date_trunc("month", func.timezone("Asia/Ho_Chi_Minh", Question.created_at))
    else:
        month = func.strftime("%Y-%m", Question.created_at, "+7 hours")
    rows = session.execute(
        select(month, func.count(Question.id), _resolved_sum())
        .join(Meeting, Meeting.id == Question.meeting_id)
        .join(Unit, Unit.id == Meeting.unit_id)
        .where(Unit.path.startswith(unit.path), Question.status.not_in(COUNTED_OUT), *_period(start, end))
        .group_by(month)
        .order_by(month)
    ).all()
    if postgres:
        return [(f"{m:%m/%Y}", int(n), int(r or 0)) for m, n, r in rows]
    return [(f"{str(m)[5:7]}/{str(m)[:4]}", int(n), int(r or 0)) for m, n, r in rows]


# The console's province report reads 1.000.000 questions: on SQLite each query below groups by columns in
# the order of an index, so SQLite streams the index instead of sorting rows. On PostgreSQL the meetings
# come as one array, which it hashes: several times cheaper per row than a semi-join with the meetings.


def _meetings_below(session: Session, unit: Unit, start: datetime | None, end: datetime | None) -> dict[int, str]:
    """Meeting id -> level of its unit, for meetings of `unit` and below in the period."""
    rows = session.execute(
        select(Meeting.id, Unit.level).join(Unit, Unit.id == Meeting.unit_id)
        .where(Unit.path.startswith(unit.path), *_period(start, end))
    ).all()
    return {int(mid): str(level) for mid, level in rows}


def _of_meetings(
    session: Session, unit: Unit, start: datetime | None, end: datetime | None, ids: Iterable[int] | None = None
) -> Any:
    """The condition "the question was raised at a meeting of `unit` and below in the period"."""
    if _postgres(session):
        if ids is None:
            ids = _meetings_below(session, unit, start, end)
        return Question.meeting_id == any_(bindparam("meeting_ids", sorted(ids), type_=ARRAY(Integer), unique=True))
    return Question.meeting_id.in_(select(Meeting.id).join(Unit, Unit.id == Meeting.unit_id).where(
        Unit.path.startswith(unit.path), *_period(start, end)))


def levels_fast(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> LevelReport:
    """The same table as per_level, from counts per (meeting, status)."""
    meetings = _meetings_below(session, unit, start, end)
    levels = session.execute(
        select(Unit.level, func.min(Unit.depth)).where(Unit.path.startswith(unit.path)).group_by(Unit.level)
    ).all()
    rows = {level: Row(level.capitalize()) for level, _ in sorted(levels, key=lambda r: (r[1], r[0]))}
    for level, count, attendance in session.execute(
        select(Unit.level, func.count(Meeting.id), func.coalesce(func.sum(Meeting.attendance), 0))
        .join(Unit, Unit.id == Meeting.unit_id)
        .where(Unit.path.startswith(unit.path), Meeting.state.in_(HELD_STATES), *_period(start, end))
        .group_by(Unit.level)
    ).all():
        rows[level].meetings = int(count)
        rows[level].attendances = int(attendance or 0)
    for meeting_id, status, count in session.execute(
        select(Question.meeting_id, Question.status, func.count())
        .where(_of_meetings(session, unit, start, end, meetings), Question.status.not_in(COUNTED_OUT))
        .group_by(Question.meeting_id, Question.status)
    ).all():
        row = rows[meetings[int(meeting_id)]]
        row.questions += int(count)
        bucket = _bucket(status)
        if bucket:
            setattr(row, bucket, getattr(row, bucket) + int(count))
    report = LevelReport(unit_name=unit.name, rows=list(rows.values()))
    for row in report.rows:
        report.total.add(row)
    return report


def fields_fast(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> list[FieldRow]:
    """The same rows as per_field_period, from counts per meeting, status and field."""
    field_col = func.coalesce(Question.confirmed_field, Question.suggested_field, "khac")
    base = [_of_meetings(session, unit, start, end), Question.status.not_in(COUNTED_OUT)]
    if _postgres(session):
        # A hash aggregate over the (meeting, status, fields) index, read alone.
        counts = select(Question.status, field_col, func.count()).where(*base).group_by(Question.status, field_col)
    else:
        # duplicate_of_id is in the inner grouping only because it sits in that position of the covering index.
        inner = (
            select(Question.status, field_col.label("f"), func.count().label("n"))
            .where(*base)
            .group_by(Question.meeting_id, Question.duplicate_of_id, Question.status, Question.confirmed_field,
                      Question.suggested_field)
            .subquery()
        )
        counts = select(inner.c.status, inner.c.f, func.sum(inner.c.n)).group_by(inner.c.status, inner.c.f)
    out: dict[str, FieldRow] = {}
    for status, code_, count in session.execute(counts).all():
        code = str(code_)
        row = out.setdefault(code, FieldRow(code, 0, 0, 0, 0, 0))
        row.questions += int(count)
        bucket = _bucket(status)
        if bucket and bucket != "pending":
            setattr(row, bucket, getattr(row, bucket) + int(count))
    return sorted(out.values(), key=lambda r: (-r.questions, r.field))


def months_fast(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> list[tuple[str, int, int]]:
    """The same rows as over_time: on SQLite one range scan of the created_at index per month, on PostgreSQL
    one pass that puts each question in its month with width_bucket (no time zone arithmetic per row)."""
    from storage.vnformat import LOCAL_TZ

    base = [_of_meetings(session, unit, start, end), Question.status.not_in(COUNTED_OUT)]
    first, last = session.execute(select(func.min(Question.created_at), func.max(Question.created_at))
                                  .where(*base)).one()
    if first is None or last is None:
        return []
    first, last = aware(first).astimezone(LOCAL_TZ), aware(last).astimezone(LOCAL_TZ)
    months = [datetime(first.year, first.month, 1, tzinfo=LOCAL_TZ)]
    while months[-1] <= last:
        month = months[-1]
        months.append(datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=LOCAL_TZ))
    out = []
    if _postgres(session):
        bounds = bindparam("months", months, type_=ARRAY(DateTime(timezone=True)), unique=True)
        bucket = func.width_bucket(Question.created_at, bounds)
        for i, n, resolved in sorted(session.execute(
            select(bucket, func.count(), _resolved_sum()).where(*base).group_by(bucket)
        ).all()):
            month = months[int(i) - 1]
            out.append((f"{month.month:02d}/{month.year}", int(n), int(resolved or 0)))
        return out
    for month, following in itertools.pairwise(months):
        n, resolved = session.execute(
            select(func.count(), _resolved_sum())
            .where(*base, Question.created_at >= month, Question.created_at < following)
        ).one()
        if n:
            out.append((f"{month.month:02d}/{month.year}", int(n), int(resolved or 0)))
    return out

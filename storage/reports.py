"""The seed's tables computed from the data: per level, per field, per agency and per month.

One counting rule in every table: a row counts questions (each citizen's question, duplicates
included), shows beside them the groups they form once duplicates are merged, and splits the
questions by outcome so that resolved + in progress + unresolved + escalated + pending = questions.
Rejected and withdrawn questions are not counted. Figures only; the words are in `vntext.reports`.

The reference these queries are compared against, one plain pass over the questions, is in
tests/storage/report_reference.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ARRAY, DateTime, Integer, any_, bindparam, case, func, select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.clock import aware
from storage.db import is_postgres
from storage.models import Agency, Meeting, Question, Unit
from vntext import LOCAL_TZ, ratio

HELD_STATES = ("held", "closed")
COUNTED_OUT = (lifecycle.REJECTED, lifecycle.WITHDRAWN)
OUTCOMES = ("resolved", "in_progress", "unresolved", "escalated", "pending")


def bucket(status: str) -> str | None:
    """The outcome column a status is counted in; None for the statuses not counted."""
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


@dataclass
class Row:
    """Questions of one row by outcome; `groups` of them once duplicates are merged."""

    label: str
    questions: int = 0
    groups: int = 0
    resolved: int = 0
    in_progress: int = 0
    unresolved: int = 0
    escalated: int = 0
    pending: int = 0
    # What citizens said of the answers: rated (satisfied or not), satisfied, re-opened at least once.
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0

    def count(self, status: str, questions: int, groups: int) -> None:
        name = bucket(status)
        if name is None:
            return
        self.questions += questions
        self.groups += groups
        setattr(self, name, getattr(self, name) + questions)

    @property
    def resolved_rate(self) -> float | None:
        return ratio(self.resolved, self.questions)

    @property
    def satisfied_rate(self) -> float | None:
        return ratio(self.satisfied, self.rated)

    @property
    def reopened_rate(self) -> float | None:
        return ratio(self.reopened, self.questions)

    def adds_up(self) -> bool:
        return self.questions == sum(int(getattr(self, name)) for name in OUTCOMES)

    def add(self, other: Row) -> None:
        for f in fields(self):
            if f.type in ("int", int):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update({name: getattr(self, name) for name in dir(type(self)) if name.endswith("_rate")})
        return out


@dataclass
class LevelRow(Row):
    meetings: int = 0
    attendances: int = 0


@dataclass
class AgencyRow(Row):
    """`questions` are the questions assigned to the agency; `due` those whose deadline passed or that
    were resolved with one; `on_time` resolved by the deadline; `overdue_open` past it and still open."""

    due: int = 0
    on_time: int = 0
    overdue_open: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.on_time, self.due)


R = TypeVar("R", bound=Row)


@dataclass
class Table(Generic[R]):
    """Rows and their total, which is their sum."""

    rows: list[R]
    total: R

    @classmethod
    def of(cls, rows: list[R], total: R) -> Table[R]:
        for row in rows:
            total.add(row)
        return cls(rows, total)


@dataclass
class Report:
    unit_name: str
    levels: Table[LevelRow]
    fields: Table[Row]
    agencies: Table[AgencyRow]
    months: Table[Row]


TOTAL = "Tổng cộng"


def build(
    session: Session, unit: Unit, today: date, *, start: datetime | None = None, end: datetime | None = None
) -> Report:
    """Every table of the report of `unit` and the units below it, for meetings in [start, end)."""
    return Report(unit.name, per_level(session, unit, start=start, end=end),
                  per_field(session, unit, start=start, end=end),
                  per_agency(session, unit, today, start=start, end=end),
                  per_month(session, unit, start=start, end=end))


def _period(start: datetime | None, end: datetime | None) -> list[Any]:
    conds: list[Any] = []
    if start is not None:
        conds.append(Meeting.starts_at >= start)
    if end is not None:
        conds.append(Meeting.starts_at < end)
    return conds


def _postgres(session: Session) -> bool:
    return is_postgres(session)


def _count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


# The console's province report reads 1.000.000 questions: on SQLite each query groups by columns in the
# order of an index, so SQLite streams the index instead of sorting rows. On PostgreSQL the meetings come
# as one array, which it hashes: several times cheaper per row than a semi-join with the meetings.
# Groups are counted as questions minus duplicates: the duplicates are few and found by their own index.


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


def _duplicates(session: Session, key: Any, base: Sequence[Any]) -> dict[tuple[Any, str], int]:
    """(key, status) -> how many of the questions matching `base` are duplicates of another."""
    rows = session.execute(
        select(key, Question.status, func.count()).where(*base, Question.duplicate_of_id.is_not(None))
        .group_by(key, Question.status)
    ).all()
    return {(k, str(status)): int(n) for k, status, n in rows}


# A question citizens said something about; the partial index ix_questions_feedback holds just these.
HAS_FEEDBACK = Question.satisfied.is_not(None) | (Question.reopen_count > 0)


def _feedback(session: Session, key: Any, base: Sequence[Any]) -> dict[Any, tuple[int, int, int]]:
    """key -> (rated, satisfied, re-opened) among the questions matching `base`, read from the few rows
    with feedback."""
    rows = session.execute(
        select(key, _count_if(Question.satisfied.is_not(None)), _count_if(Question.satisfied.is_(True)),
               _count_if(Question.reopen_count > 0)).where(*base, HAS_FEEDBACK).group_by(key)
    ).all()
    return {k: (int(a or 0), int(b or 0), int(c or 0)) for k, a, b, c in rows}


def _add_feedback(rows: dict[Any, R], feedback: dict[Any, tuple[int, int, int]], make: Callable[[Any], R]) -> None:
    for key, (rated, satisfied, reopened) in feedback.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = make(key)
        row.rated += rated
        row.satisfied += satisfied
        row.reopened += reopened


def _fill(rows: dict[Any, R], counts: Iterable[tuple[Any, str, int]], dups: dict[tuple[Any, str], int],
          make: Callable[[Any], R]) -> None:
    for key, status, n in counts:
        row = rows.get(key)
        if row is None:
            row = rows[key] = make(key)
        row.count(str(status), int(n), int(n) - dups.get((key, str(status)), 0))


def per_level(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> Table[LevelRow]:
    """One row per level below `unit` (the level of the meeting's unit). An escalated question counts
    where it was raised, as "chuyển lên cấp trên", like the seed; a meeting counts once held."""
    meetings = _meetings_below(session, unit, start, end)
    levels = session.execute(
        select(Unit.level, func.min(Unit.depth)).where(Unit.path.startswith(unit.path)).group_by(Unit.level)
    ).all()
    rows = {level: LevelRow(level.capitalize()) for level, _ in sorted(levels, key=lambda r: (r[1], r[0]))}
    for level, count, attendance in session.execute(
        select(Unit.level, func.count(Meeting.id), func.coalesce(func.sum(Meeting.attendance), 0))
        .join(Unit, Unit.id == Meeting.unit_id)
        .where(Unit.path.startswith(unit.path), Meeting.state.in_(HELD_STATES), *_period(start, end))
        .group_by(Unit.level)
    ).all():
        rows[level].meetings = int(count)
        rows[level].attendances = int(attendance or 0)
    base = [_of_meetings(session, unit, start, end, meetings), Question.status.not_in(COUNTED_OUT)]
    per_meeting = session.execute(
        select(Question.meeting_id, Question.status, func.count()).where(*base)
        .group_by(Question.meeting_id, Question.status)
    ).all()
    dups = _duplicates(session, Question.meeting_id, base)
    for meeting_id, status, n in per_meeting:
        row = rows[meetings[int(meeting_id)]]
        row.count(str(status), int(n), int(n) - dups.get((meeting_id, str(status)), 0))
    for meeting_id, counts in _feedback(session, Question.meeting_id, base).items():
        _add_feedback(rows, {meetings[int(meeting_id)]: counts}, LevelRow)
    return Table.of(list(rows.values()), LevelRow(TOTAL))


FIELD = func.coalesce(Question.confirmed_field, Question.suggested_field, "khac")


def per_field(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> Table[Row]:
    """One row per field (the confirmed one, else the suggested one), most asked first."""
    base = [_of_meetings(session, unit, start, end), Question.status.not_in(COUNTED_OUT)]
    if _postgres(session):
        # A hash aggregate over the (meeting, status, fields) index, read alone.
        counts = select(FIELD, Question.status, func.count()).where(*base).group_by(FIELD, Question.status)
    else:
        # duplicate_of_id is in the inner grouping only because it sits in that position of the covering index.
        inner = (
            select(Question.status, FIELD.label("f"), func.count().label("n"))
            .where(*base)
            .group_by(Question.meeting_id, Question.duplicate_of_id, Question.status, Question.confirmed_field,
                      Question.suggested_field)
            .subquery()
        )
        counts = select(inner.c.f, inner.c.status, func.sum(inner.c.n)).group_by(inner.c.f, inner.c.status)
    rows: dict[Any, Row] = {}
    _fill(rows, session.execute(counts).all(), _duplicates(session, FIELD, base), lambda k: Row(str(k)))
    _add_feedback(rows, _feedback(session, FIELD, base), lambda k: Row(str(k)))
    return Table.of(sorted(rows.values(), key=lambda r: (-r.questions, r.label)), Row(TOTAL))


def per_agency(
    session: Session, unit: Unit, today: date, *, start: datetime | None = None, end: datetime | None = None
) -> Table[AgencyRow]:
    """Per agency of `unit` and below: the questions assigned to it by outcome, and their timeliness.

    A question is resolved when its first change of status to resolved was recorded (its resolved_at).
    One pass over the agency index, which holds every column read here.
    """
    agencies = dict(session.execute(
        select(Agency.id, Agency.name).join(Unit, Unit.id == Agency.unit_id).where(Unit.path.startswith(unit.path))
    ).all())
    conds: list[Any] = [Question.agency_id.in_(list(agencies)), Question.status.not_in(COUNTED_OUT)]
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
    rows: dict[Any, AgencyRow] = {}
    for aid, status, n, primaries, due_open, late, due_done, ok in session.execute(
        select(Question.agency_id, Question.status, func.count(), _count_if(Question.duplicate_of_id.is_(None)),
               _count_if(past_due), _count_if(late_open), _count_if(resolved_due), _count_if(on_time))
        .where(*conds).group_by(Question.agency_id, Question.status)
    ).all():
        row = rows.setdefault(aid, AgencyRow(str(agencies[aid])))
        row.count(str(status), int(n), int(primaries or 0))
        row.due += int(due_done or 0) + int(due_open or 0)
        row.on_time += int(ok or 0)
        row.overdue_open += int(late or 0)
    _add_feedback(rows, _feedback(session, Question.agency_id, conds), lambda k: AgencyRow(str(agencies[k])))
    return Table.of(sorted(rows.values(), key=lambda r: r.label), AgencyRow(TOTAL))


def per_month(
    session: Session, unit: Unit, *, start: datetime | None = None, end: datetime | None = None
) -> Table[Row]:
    """One row per month the questions were received in ("MM/YYYY", Vietnam's time), oldest first: on
    SQLite one range scan of the created_at index per month, on PostgreSQL one pass that puts each question
    in its month with width_bucket (no time zone arithmetic per row)."""
    base = [_of_meetings(session, unit, start, end), Question.status.not_in(COUNTED_OUT)]
    first, last = session.execute(select(func.min(Question.created_at), func.max(Question.created_at))
                                  .where(*base)).one()
    if first is None or last is None:
        return Table.of([], Row(TOTAL))
    first, last = aware(first).astimezone(LOCAL_TZ), aware(last).astimezone(LOCAL_TZ)
    months = [datetime(first.year, first.month, 1, tzinfo=LOCAL_TZ)]
    while months[-1] <= last:
        month = months[-1]
        months.append(datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=LOCAL_TZ))
    names = [f"{m.month:02d}/{m.year}" for m in months]
    rows: dict[Any, Row] = {}
    if _postgres(session):
        bounds = bindparam("months", months, type_=ARRAY(DateTime(timezone=True)), unique=True)
        slot = func.width_bucket(Question.created_at, bounds)
        slots = session.execute(select(slot, Question.status, func.count()).where(*base)
                                .group_by(slot, Question.status)).all()
        _fill(rows, slots, _duplicates(session, slot, base), lambda k: Row(names[int(k) - 1]))
        _add_feedback(rows, _feedback(session, slot, base), lambda k: Row(names[int(k) - 1]))
        return Table.of([rows[k] for k in sorted(rows)], Row(TOTAL))
    for i, (month, following) in enumerate(itertools.pairwise(months)):
        within = [*base, Question.created_at >= month, Question.created_at < following]
        counts = session.execute(select(Question.status, func.count()).where(*within)
                                 .group_by(Question.status)).all()
        dups = {(i, str(status)): int(n) for status, n in session.execute(
            select(Question.status, func.count()).where(*within, Question.duplicate_of_id.is_not(None))
            .group_by(Question.status)).all()}
        _fill(rows, [(i, status, n) for status, n in counts], dups, lambda k: Row(names[int(k)]))
    index = {name: i for i, name in enumerate(names)}
    local_month = func.strftime("%m/%Y", Question.created_at, "+7 hours")
    _add_feedback(rows, {index[str(k)]: v for k, v in _feedback(session, local_month, base).items()},
                  lambda k: Row(names[int(k)]))
    return Table.of([rows[k] for k in sorted(rows)], Row(TOTAL))

"""The report computed the plain way, one pass over every question in Python: the reference that
storage.reports' queries are compared against. Slow on purpose; never used by the application."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import lifecycle
from storage.models import Agency, Meeting, Question, Unit
from storage.reports import TOTAL, AgencyRow, LevelRow, Report, Row, Table, bucket
from vntext import LOCAL_TZ


def _in_period(meeting: Meeting, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or meeting.starts_at >= start) and (end is None or meeting.starts_at < end)


def _count(row: Row, q: Question) -> None:
    name = bucket(q.status)
    assert name is not None
    row.questions += 1
    row.groups += q.duplicate_of_id is None
    setattr(row, name, getattr(row, name) + 1)
    row.rated += q.satisfied is not None
    row.satisfied += q.satisfied is True
    row.reopened += q.reopen_count > 0


def reference(session: Session, unit: Unit, today: date, *, start: datetime | None = None,
              end: datetime | None = None) -> Report:
    units = list(session.scalars(select(Unit).where(Unit.path.startswith(unit.path))))
    unit_ids = {u.id for u in units}
    meetings = {m.id: m for m in session.scalars(select(Meeting)) if m.unit_id in unit_ids}
    levels: dict[str, LevelRow] = {}
    for u in sorted(units, key=lambda u: (u.depth, u.level)):
        levels.setdefault(u.level, LevelRow(u.level.capitalize()))
    level_of = {u.id: u.level for u in units}
    for m in meetings.values():
        if m.state in ("held", "closed") and _in_period(m, start, end):
            levels[level_of[m.unit_id]].meetings += 1
            levels[level_of[m.unit_id]].attendances += m.attendance or 0
    fields: dict[str, Row] = {}
    months: dict[tuple[int, int], Row] = {}
    counted = [q for q in session.scalars(select(Question))
               if q.status not in (lifecycle.REJECTED, lifecycle.WITHDRAWN)]
    for q in counted:
        meeting = meetings.get(q.meeting_id)
        if meeting is None or not _in_period(meeting, start, end):
            continue
        _count(levels[level_of[meeting.unit_id]], q)
        code = q.confirmed_field or q.suggested_field or "khac"
        _count(fields.setdefault(code, Row(code)), q)
        local = q.created_at.astimezone(LOCAL_TZ)
        _count(months.setdefault((local.year, local.month), Row(f"{local.month:02d}/{local.year}")), q)
    agencies = {a.id: a for a in session.scalars(select(Agency)) if a.unit_id in unit_ids}
    per_agency: dict[int, AgencyRow] = {}
    all_meetings = {m.id: m for m in session.scalars(select(Meeting))}
    for q in counted:
        if q.agency_id not in agencies or not _in_period(all_meetings[q.meeting_id], start, end):
            continue
        row = per_agency.setdefault(q.agency_id, AgencyRow(agencies[q.agency_id].name))
        _count(row, q)
        _timeliness(row, q, today)
    return Report(
        unit.name,
        Table.of(list(levels.values()), LevelRow(TOTAL)),
        Table.of(sorted(fields.values(), key=lambda r: (-r.questions, r.label)), Row(TOTAL)),
        Table.of(sorted(per_agency.values(), key=lambda r: r.label), AgencyRow(TOTAL)),
        Table.of([months[k] for k in sorted(months)], Row(TOTAL)),
    )


def _timeliness(row: AgencyRow, q: Question, today: date) -> None:
    if q.due_date is None:
        return
    if q.status == lifecycle.RESOLVED:
        if q.resolved_at is not None:
            row.due += 1
            row.on_time += q.resolved_at.astimezone(LOCAL_TZ).date() <= q.due_date
        return
    if q.due_date < today:
        row.due += 1
        row.overdue_open += q.status in lifecycle.OPEN_STATUSES


def as_plain(report: Report) -> dict[str, Any]:
    return {name: [r.as_dict() for r in [*t.rows, t.total]]
            for name, t in (("levels", report.levels), ("fields", report.fields), ("agencies", report.agencies),
                            ("months", report.months))}

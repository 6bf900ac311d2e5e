"""The report's figures: against a hand-built dataset, against the plain reference, and adding up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from harness.factories import ask, make_meeting, make_world
from storage import lifecycle, reports
from storage.actions import meetings, questions, ratings, replies
from storage.clock import utcnow
from storage.models import Question, Unit
from tests.storage.report_reference import as_plain, reference
from vntext import LOCAL_TZ


def _set(session: Session, q: Question, status: str) -> None:
    # hand-built history: put the status directly, as an import of old records would
    q.status = status
    session.flush()


def test_per_level_counts_like_the_seed(session: Session) -> None:
    w = make_world(session)
    held_a = make_meeting(session, w.district_a, "HA", days=3)
    held_c = make_meeting(session, w.commune_a1, "HC", days=3)
    held_p = make_meeting(session, w.province, "HP", days=3)
    # district: 10 questions whose outcomes leave 3 still waiting, like the seed's row that does not add up
    plan = [lifecycle.RESOLVED] * 4 + [lifecycle.IN_PROGRESS, lifecycle.ASSIGNED, lifecycle.UNRESOLVED,
                                      lifecycle.RECEIVED, lifecycle.TRIAGED, lifecycle.RECEIVED]
    for status in plan:
        _set(session, ask(session, held_a, f"câu hỏi {status}"), status)
    escalated = ask(session, held_a, "vượt thẩm quyền")
    questions.set_field(session, escalated.id, "dat_dai", actor="t")
    questions.escalate(session, escalated.id, actor="t")
    _set(session, ask(session, held_a, "spam"), lifecycle.REJECTED)
    _set(session, ask(session, held_a, "rút"), lifecycle.WITHDRAWN)
    for i in range(3):
        _set(session, ask(session, held_c, f"xã {i}"), lifecycle.RESOLVED)
    _set(session, ask(session, held_p, "tỉnh"), lifecycle.RESOLVED)
    for m, n in ((held_a, 120), (held_c, 45), (held_p, 300)):
        meetings.set_meeting_state(session, m.id, "held")
        meetings.record_attendance(session, m.id, n)
    ask(session, w.meeting_b, "huyện B chưa họp")  # an open meeting: its question counts, the meeting not yet

    result = reports.per_level(session, w.province)
    rows = {r.label: r for r in result.rows}
    assert [r.label for r in result.rows] == ["Tỉnh", "Huyện", "Xã"]
    d = rows["Huyện"]
    assert (d.meetings, d.attendances, d.questions, d.groups) == (1, 120, 12, 12)
    assert (d.resolved, d.in_progress, d.unresolved, d.escalated, d.pending) == (4, 2, 1, 1, 4)
    assert d.resolved + d.in_progress + d.unresolved + d.escalated != d.questions
    assert d.adds_up()
    assert d.resolved_rate is not None and round(d.resolved_rate, 4) == 0.3333
    assert (rows["Xã"].questions, rows["Xã"].resolved, rows["Xã"].resolved_rate) == (3, 3, 1.0)
    assert (rows["Tỉnh"].meetings, rows["Tỉnh"].attendances) == (1, 300)
    t = result.total
    assert (t.meetings, t.attendances, t.questions, t.resolved, t.resolved_rate) == (3, 465, 16, 8, 0.5)


def test_report_of_a_district_excludes_others(session: Session) -> None:
    w = make_world(session)
    ask(session, w.meeting_a)
    ask(session, w.meeting_b)
    ask(session, w.meeting_b)
    assert reports.per_level(session, w.district_b).total.questions == 2


def _varied(session: Session) -> None:
    """Questions of every outcome, merged groups, several fields, agencies with deadlines, three months."""
    w = make_world(session)
    today = datetime.now(LOCAL_TZ).date()
    texts = ["Đường ấp 1 hư", "Điện ấp 2 yếu", "Nước ấp 3 đục", "Đất ấp 4", "Lúa mất giá", "Đường ấp 1 hư quá"]
    made = [ask(session, m, t, created_at=utcnow() - timedelta(days=31 * (i % 3)))
            for m in (w.meeting_a, w.meeting_b, w.meeting_p) for i, t in enumerate(texts)]
    questions.merge(session, made[0].id, [made[5].id], actor="t")
    questions.merge(session, made[6].id, [made[11].id, made[7].id], actor="t")
    questions.set_field(session, made[8].id, "dat_dai", actor="t")
    questions.set_field(session, made[12].id, "khac", actor="t")
    questions.assign(session, made[0].id, w.agency_a.id, actor="t", due_date=today + timedelta(days=2))
    replies.reply(session, made[0].id, "Xong.", author="t", status=lifecycle.RESOLVED)
    questions.assign(session, made[1].id, w.agency_a.id, actor="t", due_date=today - timedelta(days=1))
    questions.assign(session, made[6].id, w.agency_b.id, actor="t", due_date=today - timedelta(days=4))
    questions.change_status(session, made[6].id, lifecycle.UNRESOLVED, actor="t")
    questions.assign(session, made[2].id, w.agency_a.id, actor="t")
    questions.change_status(session, made[2].id, lifecycle.IN_PROGRESS, actor="t")
    questions.set_field(session, made[3].id, "dat_dai", actor="t")
    questions.escalate(session, made[3].id, actor="t")
    questions.reject(session, made[4].id, reason="trùng", actor="t")
    _set(session, made[10], lifecycle.WITHDRAWN)
    replies.reply(session, made[13].id, "Đã trả lời tại hội nghị.", author="t", status=lifecycle.RESOLVED)
    meetings.set_meeting_state(session, w.meeting_a.id, "held")
    meetings.record_attendance(session, w.meeting_a.id, 77)
    # Citizens' feedback: the merged group's two askers rate (one satisfied, one not, which re-opens it),
    # and the province meeting's answered question is rated satisfied.
    for q, satisfied in ((made[0], True), (made[5], False), (made[13], True)):
        ratings.rate(session, q.id, citizen_id=q.citizen_id or 0, satisfied=satisfied)
    ratings.reopen_by_citizen(session, made[5].id, citizen_id=made[5].citizen_id or 0, reason="Đường vẫn lầy.")
    session.flush()


def test_the_queries_match_the_plain_reference(session: Session) -> None:
    _varied(session)
    w_units = {u.code: u for u in session.query(Unit)}
    today = datetime.now(LOCAL_TZ).date()
    for code in ("HG", "A", "B1"):
        unit = w_units[code]
        assert as_plain(reports.build(session, unit, today)) == as_plain(reference(session, unit, today))
    start = datetime.now(LOCAL_TZ) + timedelta(days=5)
    province = w_units["HG"]
    assert as_plain(reports.build(session, province, today, start=start)) == as_plain(
        reference(session, province, today, start=start))


def test_every_table_adds_up(session: Session) -> None:
    _varied(session)
    province = session.query(Unit).filter_by(code="HG").one()
    report = reports.build(session, province, datetime.now(LOCAL_TZ).date())
    for table in (report.levels, report.fields, report.agencies, report.months):
        for row in [*table.rows, table.total]:
            assert row.adds_up(), row
            assert row.groups <= row.questions
        for name in ("questions", "groups", *reports.OUTCOMES):
            assert getattr(table.total, name) == sum(getattr(r, name) for r in table.rows)
    # Levels, fields and months count the same questions; agencies those assigned.
    assert report.levels.total.questions == report.fields.total.questions == report.months.total.questions == 16
    assert report.levels.total.groups == 13
    huyen = {r.label: r for r in report.levels.rows}["Huyện"]
    assert (huyen.rated, huyen.satisfied, huyen.reopened) == (2, 1, 2) and huyen.satisfied_rate == 0.5
    assert report.levels.total.rated == 3 and report.fields.total.reopened == report.months.total.reopened == 2
    assert [r.label for r in report.agencies.rows] == ["Phòng Kinh tế huyện A", "Phòng Kinh tế huyện B"]
    a, b = report.agencies.rows
    # The resolved group was re-opened by its unsatisfied asker: back in progress, no longer counted as due.
    assert (a.questions, a.groups, a.resolved, a.in_progress, a.due, a.on_time, a.overdue_open) == (
        4, 3, 0, 4, 1, 0, 1)
    assert (a.rated, a.satisfied, a.reopened, a.reopened_rate) == (2, 1, 2, 0.5)
    assert (b.questions, b.groups, b.unresolved, b.due, b.overdue_open) == (3, 1, 3, 3, 3)

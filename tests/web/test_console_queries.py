"""The console's reads on SQLite and PostgreSQL: queue page, timeliness, months, scoping."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from harness.factories import make_world
from storage import lifecycle, queries, reports
from storage.actions import questions, replies
from storage.queries import QueueFilter
from storage.reach import Reach
from storage.vnformat import LOCAL_TZ
from tests.web.helpers import ask


def test_queue_page_and_reports_on_both_backends(session: Session) -> None:
    w = make_world(session)
    a = ask(session, w.meeting_a, "Đường ấp 1 hư nặng")
    b = ask(session, w.meeting_a, "Đường ấp 1 hư nặng quá")
    c = ask(session, w.meeting_a, "Điện ấp 2 yếu")
    ask(session, w.meeting_b, "Nước ấp 9 đục")
    questions.merge(session, a.id, [b.id], actor="t")
    today = datetime.now(LOCAL_TZ).date()
    questions.assign(session, a.id, w.agency_a.id, actor="t", due_date=today + timedelta(days=2))
    replies.reply(session, a.id, "Xong.", author="t", status=lifecycle.RESOLVED)
    questions.assign(session, c.id, w.agency_a.id, actor="t", due_date=today - timedelta(days=1))
    session.flush()

    page = queries.queue_page(session, Reach.for_unit(w.district_a), w.meeting_a.id, QueueFilter(status=None))
    assert [q.id for q in page.rows] == [c.id, a.id] and page.askers[a.id] == 2 and page.total == 2
    assert dict(page.field_counts) == {"giao_thong": 1, "dien": 1}
    found = queries.queue_page(session, Reach.admin(), w.meeting_a.id, QueueFilter(status=None, text="hu nang qua"))
    assert [q.id for q in found.rows] == [a.id]

    rows = reports.per_agency_timeliness(session, w.province, today)
    assert [(r.agency, r.assigned, r.resolved, r.due, r.on_time, r.overdue_open) for r in rows] == [
        ("Phòng Kinh tế huyện A", 2, 1, 2, 1, 1)]
    months = reports.over_time(session, w.province)
    assert sum(n for _, n, _ in months) == 4 and sum(r for _, _, r in months) == 2
    assert months[-1][0] == datetime.now(LOCAL_TZ).strftime("%m/%Y")
    fields = {f.field: f for f in reports.per_field_period(session, w.province)}
    assert fields["giao_thong"].resolved == 2 and fields["dien"].in_progress == 1


def test_fast_report_queries_match_the_plain_ones(session: Session) -> None:
    w = make_world(session)
    texts = ["Đường ấp 1 hư", "Điện ấp 2 yếu", "Nước ấp 3 đục", "Đất ấp 4", "Lúa mất giá"]
    made = [ask(session, m, t) for m in (w.meeting_a, w.meeting_b, w.meeting_p) for t in texts]
    questions.merge(session, made[0].id, [made[1].id], actor="t")
    questions.set_field(session, made[5].id, "dat_dai", actor="t")
    replies.reply(session, made[5].id, "Xong.", author="t", status=lifecycle.RESOLVED)
    questions.set_field(session, made[10].id, "khac", actor="t")
    session.flush()
    for unit in (w.province, w.district_a):
        assert [r.as_dict() for r in reports.levels_fast(session, unit).rows] == [
            r.as_dict() for r in reports.per_level(session, unit).rows]
        assert [vars(f) for f in reports.fields_fast(session, unit)] == [
            vars(f) for f in reports.per_field_period(session, unit)]
        assert reports.months_fast(session, unit) == reports.over_time(session, unit)

"""The console's reads on SQLite and PostgreSQL: queue page, timeliness, months, scoping."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from harness.factories import make_world
from storage import lifecycle, queries, reports
from storage.actions import questions, replies
from storage.queries import QueueFilter
from storage.reach import Reach
from tests.web.helpers import ask
from vntext import LOCAL_TZ


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

    rows = reports.per_agency(session, w.province, today).rows
    assert [(r.label, r.questions, r.groups, r.resolved, r.due, r.on_time, r.overdue_open) for r in rows] == [
        ("Phòng Kinh tế huyện A", 3, 2, 2, 3, 2, 1)]
    months = reports.per_month(session, w.province)
    assert (months.total.questions, months.total.groups, months.total.resolved) == (4, 3, 2)
    assert months.rows[-1].label == datetime.now(LOCAL_TZ).strftime("%m/%Y")
    fields = {f.label: f for f in reports.per_field(session, w.province).rows}
    assert fields["giao_thong"].resolved == 2 and fields["dien"].in_progress == 1

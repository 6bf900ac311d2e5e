"""The report's figures against a hand-built dataset."""

from __future__ import annotations

from sqlalchemy.orm import Session

from harness.factories import ask, make_meeting, make_world
from storage import lifecycle, reports
from storage.actions import meetings, questions
from storage.models import Question


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
    assert (d.meetings, d.attendances, d.questions) == (1, 120, 12)
    assert (d.resolved, d.in_progress, d.unresolved, d.escalated, d.pending) == (4, 2, 1, 1, 4)
    assert d.resolved + d.in_progress + d.unresolved + d.escalated != d.questions
    assert d.resolved + d.in_progress + d.unresolved + d.escalated + d.pending == d.questions
    assert d.rate == "33,33%"
    assert (rows["Xã"].questions, rows["Xã"].resolved, rows["Xã"].rate) == (3, 3, "100,00%")
    assert (rows["Tỉnh"].meetings, rows["Tỉnh"].attendances) == (1, 300)
    t = result.total
    assert (t.meetings, t.attendances, t.questions, t.resolved) == (3, 465, 16, 8)
    assert t.formatted()[-1] == "50,00%"


def test_report_of_a_district_excludes_others(session: Session) -> None:
    w = make_world(session)
    ask(session, w.meeting_a)
    ask(session, w.meeting_b)
    ask(session, w.meeting_b)
    result = reports.per_level(session, w.district_b)
    assert result.total.questions == 2


def test_vietnamese_number_style() -> None:
    from storage.vnformat import vn_int, vn_pct

    assert vn_int(176386) == "176.386"
    assert vn_pct(176277, 176386) == "99,94%"
    assert vn_pct(122050, 122159) == "99,91%"
    assert vn_pct(0, 0) == "–"

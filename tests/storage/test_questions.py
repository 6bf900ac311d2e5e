from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from harness.factories import ask, make_citizen, make_meeting, make_world
from storage import lifecycle, queries
from storage.actions import citizens, meetings, questions, replies
from storage.analysis import PlainAnalyzer
from storage.clock import utcnow
from storage.errors import ForbiddenMove, IntakeClosed, InvalidInput, NotFound, StaleVersion
from storage.models import Outbox, Question, StatusEvent
from storage.reach import Reach


def events(session: Session, q: Question) -> list[tuple[str, str | None, str | None]]:
    return [(e.kind, e.from_value, e.to_value) for e in queries.events_of(session, q.id)]


def test_submit_gives_ticket_and_audit_event(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    assert q.ticket == f"HG-{utcnow().year}-{q.id:06d}"
    assert q.status == lifecycle.RECEIVED
    assert q.unit_id == w.district_a.id
    assert events(session, q) == [("status", None, "received")]


def test_submit_is_idempotent_by_key(session: Session) -> None:
    w = make_world(session)
    c = make_citizen(session)
    first = questions.submit_question(session, meeting_id=w.meeting_a.id, text="Hỏi về điện", channel="web",
                                      citizen_id=c.id, idempotency_key="tg:1")
    again = questions.submit_question(session, meeting_id=w.meeting_a.id, text="Hỏi về điện", channel="web",
                                      citizen_id=c.id, idempotency_key="tg:1")
    assert first.id == again.id
    assert session.scalar(select(Question.id).where(Question.id != first.id)) is None


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_refused(session: Session, text: str) -> None:
    w = make_world(session)
    with pytest.raises(InvalidInput) as info:
        ask(session, w.meeting_a, text)
    assert "trống" in info.value.message


def test_too_long_text_is_refused_with_limit(session: Session) -> None:
    w = make_world(session)
    ask(session, w.meeting_a, "a" * 10_000)
    with pytest.raises(InvalidInput) as info:
        ask(session, w.meeting_a, "a" * 10_001)
    assert "10.000" in info.value.message


def test_closed_intake_and_closed_meeting_are_refused(session: Session) -> None:
    w = make_world(session)
    late = make_meeting(session, w.district_a, "LATE", days=5)
    late.intake_until = utcnow() - timedelta(hours=1)
    with pytest.raises(IntakeClosed):
        ask(session, late)
    planned = make_meeting(session, w.district_a, "PLAN", state="planned")
    with pytest.raises(IntakeClosed):
        ask(session, planned)


def test_unknown_meeting(session: Session) -> None:
    with pytest.raises(NotFound):
        questions.submit_question(session, meeting_id=999, text="x", channel="web")


def test_triage_records_correction(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    q.suggested_field = "dien"
    questions.set_field(session, q.id, "giao_thong", actor="org")
    assert q.status == lifecycle.TRIAGED
    assert q.field == "giao_thong"
    assert ("correction", "dien", "giao_thong") in events(session, q)
    assert ("status", "received", "triaged") in events(session, q)


def test_stale_version_is_refused_and_nothing_written(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    old = q.version
    questions.set_field(session, q.id, "dien", actor="a")
    with pytest.raises(StaleVersion):
        questions.set_field(session, q.id, "nuoc_sach", actor="b", expected_version=old)
    assert q.field == "dien"


def test_assign_and_full_path(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    due = (utcnow() + timedelta(days=15)).date()
    questions.assign(session, q.id, w.agency_a.id, actor="org", due_date=due)
    assert (q.status, q.agency_id, q.due_date) == (lifecycle.ASSIGNED, w.agency_a.id, due)
    questions.change_status(session, q.id, lifecycle.IN_PROGRESS, actor="agency")
    questions.change_status(session, q.id, lifecycle.RESOLVED, actor="agency")
    kinds = [e[2] for e in events(session, q) if e[0] == "status"]
    assert kinds == ["received", "triaged", "assigned", "in_progress", "resolved"]


def test_forbidden_move_writes_nothing(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions() as s:
        w = make_world(s)
        q = ask(s, w.meeting_a)
        s.commit()
        qid = q.id
    with sessions() as s:
        before = len(queries.events_of(s, qid))
        with pytest.raises(ForbiddenMove):
            questions.change_status(s, qid, lifecycle.RESOLVED, actor="x")
        s.rollback()
    with sessions() as s:
        q2 = s.get(Question, qid)
        assert q2 is not None and q2.status == lifecycle.RECEIVED
        assert len(queries.events_of(s, qid)) == before


def test_reject_needs_reason_and_notifies(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a, "quảng cáo bán hàng")
    with pytest.raises(InvalidInput):
        questions.reject(session, q.id, reason=" ", actor="org")
    questions.reject(session, q.id, reason="Nội dung quảng cáo", actor="org")
    assert q.status == lifecycle.REJECTED
    out = session.scalars(select(Outbox)).all()
    assert len(out) == 1 and "Nội dung quảng cáo" in out[0].text


def test_merge_duplicates_share_status_and_answer(session: Session) -> None:
    w = make_world(session)
    primary = ask(session, w.meeting_a, "Đường vào ấp 3 bị hư nặng")
    dup1 = ask(session, w.meeting_a, "duong vao ap 3 hu nang qua")
    dup2 = ask(session, w.meeting_a, "Đường ấp 3 xuống cấp, đề nghị sửa")
    questions.merge(session, primary.id, [dup1.id, dup2.id], actor="org")
    assert queries.asker_count(session, primary.id) == 3
    questions.assign(session, primary.id, w.agency_a.id, actor="org")
    assert {dup1.status, dup2.status} == {lifecycle.ASSIGNED}
    reply = replies.reply(session, dup1.id, "Huyện sẽ sửa trong quý I/2027.", author="org",
                          status=lifecycle.IN_PROGRESS)
    assert {q.status for q in (primary, dup1, dup2)} == {lifecycle.IN_PROGRESS}
    outbox = session.scalars(select(Outbox).where(Outbox.reply_id == reply.id)).all()
    assert sorted(o.question_id for o in outbox) == sorted([primary.id, dup1.id, dup2.id])
    assert all("quý I/2027" in o.text for o in outbox)
    assert len({o.chat_id for o in outbox}) == 3
    for q in (primary, dup1, dup2):
        assert [r.id for r in queries.replies_of(session, q.id)] == [reply.id]


def test_merge_a_group_into_another_moves_its_members(session: Session) -> None:
    w = make_world(session)
    a, b, c = (ask(session, w.meeting_a, t) for t in ("điện yếu ấp 1", "điện yếu ấp 1 quá", "ấp 1 điện chập chờn"))
    questions.merge(session, b.id, [c.id], actor="org")
    questions.merge(session, a.id, [b.id], actor="org")
    assert b.duplicate_of_id == a.id and c.duplicate_of_id == a.id
    assert queries.asker_count(session, a.id) == 3


def test_reply_is_not_doubled_on_retry_key(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    replies.reply(session, q.id, "Đã sửa xong.", author="org", status=lifecycle.RESOLVED)
    assert len(session.scalars(select(Outbox)).all()) == 1


def test_escalate_moves_to_parent_and_keeps_history(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    dup = ask(session, w.meeting_a, "đường ấp 3 hư")
    questions.merge(session, q.id, [dup.id], actor="org")
    questions.set_field(session, q.id, "giao_thong", actor="org")
    questions.escalate(session, q.id, actor="org", note="Vượt thẩm quyền huyện")
    assert (q.status, q.unit_id, dup.unit_id) == (lifecycle.ESCALATED, w.province.id, w.province.id)
    assert ("unit", "Huyện A", "Tỉnh Hậu Giang") in events(session, q)
    assert ("status", "received", "triaged") in events(session, q)
    province_queue = queries.queue(session, w.province, Reach.for_unit(w.province), limit=100)
    assert q in province_queue
    # the district organisers still see it (it came from their meeting) but it left their queue
    assert q not in queries.queue(session, w.district_a, Reach.for_unit(w.district_a))
    questions.assign(session, q.id, w.agency_b.id, actor="province")
    assert q.status == lifecycle.ASSIGNED


def test_top_unit_cannot_escalate(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_p)
    questions.set_field(session, q.id, "dien", actor="org")
    with pytest.raises(ForbiddenMove):
        questions.escalate(session, q.id, actor="org")


def test_withdraw_own_question_only_before_meeting(session: Session) -> None:
    w = make_world(session)
    c = make_citizen(session)
    other = make_citizen(session)
    q = ask(session, w.meeting_a, citizen=c)
    with pytest.raises(NotFound):
        questions.withdraw(session, q.ticket or "", citizen_id=other.id)
    questions.withdraw(session, (q.ticket or "").lower(), citizen_id=c.id)
    assert q.status == lifecycle.WITHDRAWN
    held = make_meeting(session, w.district_a, "HELD", days=5)
    q2 = ask(session, held, citizen=c)
    meetings.set_meeting_state(session, held.id, "held")
    with pytest.raises(ForbiddenMove):
        questions.withdraw(session, q2.ticket or "", citizen_id=c.id)


def test_withdrawn_primary_hands_group_to_next(session: Session) -> None:
    w = make_world(session)
    c = make_citizen(session)
    p = ask(session, w.meeting_a, "nước sạch ấp 2", citizen=c)
    d1, d2 = ask(session, w.meeting_a, "nuoc sach ap 2"), ask(session, w.meeting_a, "ấp 2 thiếu nước sạch")
    questions.merge(session, p.id, [d1.id, d2.id], actor="org")
    questions.withdraw(session, p.ticket or "", citizen_id=c.id)
    assert d1.duplicate_of_id is None and d2.duplicate_of_id == d1.id


def test_erase_citizen_keeps_questions_anonymised(session: Session) -> None:
    w = make_world(session)
    c = make_citizen(session)
    citizens.give_consent(session, c.id)
    citizens.update_details(session, c.id, name="Nguyễn Văn A", phone="0912345678", locality="ấp 3")
    q = ask(session, w.meeting_a, citizen=c)
    citizens.erase_citizen(session, c.id, analyzer=PlainAnalyzer(), upload_dir=None)
    assert (c.name, c.phone, c.locality, c.consent_at) == (None, None, None, None)
    assert c.erased_at is not None
    assert q.citizen_id == c.id and q.original_text
    assert ("erase", None, None) in events(session, q)


def test_details_not_kept_without_consent(session: Session) -> None:
    c = make_citizen(session)
    citizens.update_details(session, c.id, name="Trần Thị B", phone="0912345678")
    assert c.name is None and c.phone is None


def test_status_change_notifies_citizen(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    questions.assign(session, q.id, w.agency_a.id, actor="org")
    questions.change_status(session, q.id, lifecycle.IN_PROGRESS, actor="org")
    texts = [o.text for o in session.scalars(select(Outbox).order_by(Outbox.id))]
    assert any("Đang thực hiện" in t and (q.ticket or "") in t for t in texts)


def test_audit_trail_names_actor_and_time(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    questions.assign(session, q.id, w.agency_a.id, actor="to_giup_viec", note="Giao Phòng Kinh tế")
    evs = session.scalars(select(StatusEvent).where(StatusEvent.question_id == q.id)).all()
    assert all(e.at is not None and e.actor for e in evs)
    assert any(e.kind == "assign" and e.actor == "to_giup_viec" for e in evs)


def test_resolved_at_is_the_time_of_the_resolving_event(session: Session) -> None:
    w = make_world(session)
    q = ask(session, w.meeting_a)
    dup = ask(session, w.meeting_a, "đường ấp 3 hư")
    questions.merge(session, q.id, [dup.id], actor="org")
    questions.assign(session, q.id, w.agency_a.id, actor="org")
    assert q.resolved_at is None
    replies.reply(session, q.id, "Đã sửa xong.", author="org", status=lifecycle.RESOLVED)
    for member in (q, dup):
        resolved_event = [e for e in queries.events_of(session, member.id)
                          if e.kind == "status" and e.to_value == lifecycle.RESOLVED]
        assert member.resolved_at is not None and member.resolved_at == resolved_event[0].at

"""Notices to agencies and organisers go through the outbox in the move's transaction, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from harness.factories import World, ask, make_world
from storage import lifecycle, staff_notices, workdays
from storage.actions import console, handover, notify, officer_chats, questions, users
from storage.errors import ForbiddenMove, InvalidInput, OutOfReach
from storage.models import Outbox
from storage.queries import inbox
from storage.reach import Reach

PASSWORD = "mat-khau-thu-nghiem-1"


@pytest.fixture
def world(session: Session) -> World:
    w = make_world(session)
    w.agency_a.email = "phongkt.a@example.vn"
    users.create_user(session, username="can.bo.a", role="agency", password=PASSWORD, agency_id=w.agency_a.id,
                      email="canbo.a@example.vn")
    users.create_user(session, username="to.a", role="organiser", password=PASSWORD, unit_id=w.district_a.id,
                      email="to.a@example.vn")
    users.create_user(session, username="to.tinh", role="organiser", password=PASSWORD, unit_id=w.province.id,
                      email="to.tinh@example.vn")
    session.flush()
    return w


def notices(session: Session) -> list[Outbox]:
    return list(session.scalars(select(Outbox).where(Outbox.channel != "web").order_by(Outbox.id)))


def test_assignment_notifies_agency_mailbox_and_officers_once(session: Session, world: World) -> None:
    q = ask(session, world.meeting_a)
    reach = Reach.for_unit(world.district_a, actor="to.a")
    console.assign(session, reach, q.id, world.agency_a.id, due_date=None, urgency=workdays.URGENT)
    rows = notices(session)
    assert sorted(r.chat_id for r in rows) == ["canbo.a@example.vn", "phongkt.a@example.vn"]
    subject, body = staff_notices.split(rows[0].text)
    assert subject == f"[doithoai] Giao xử lý câu hỏi {q.ticket}"
    due = workdays.add_working_days(workdays.today(), 3)
    assert q.due_date == due and f"Hạn xử lý: {due:%d/%m/%Y} (mức khẩn" in body
    # The same assignment again sends nothing new; a new due date is a new notice.
    console.assign(session, reach, q.id, world.agency_a.id, due_date=None, urgency=workdays.URGENT)
    assert len(notices(session)) == 2
    console.assign(session, reach, q.id, world.agency_a.id, due_date=due + timedelta(days=7))
    assert len(notices(session)) == 4


def test_past_due_date_needs_confirmation(session: Session, world: World) -> None:
    q = ask(session, world.meeting_a)
    reach = Reach.for_unit(world.district_a)
    past = workdays.today() - timedelta(days=2)
    with pytest.raises(console.NeedsConfirmation) as refused:
        console.assign(session, reach, q.id, world.agency_a.id, due_date=past)
    assert refused.value.code == "confirm_past_due" and "đã qua" in refused.value.message
    console.assign(session, reach, q.id, world.agency_a.id, due_date=past, confirm_past=True)
    assert q.due_date == past


def test_merge_across_fields_needs_confirmation(session: Session, world: World) -> None:
    a = ask(session, world.meeting_a, "Đường ấp 3 hư")
    b = ask(session, world.meeting_a, "Mất điện ấp 4")
    questions.set_field(session, a.id, "giao_thong", actor="t")
    questions.set_field(session, b.id, "dien", actor="t")
    reach = Reach.for_unit(world.district_a)
    with pytest.raises(console.NeedsConfirmation):
        console.merge(session, reach, a.id, [b.id])
    assert b.duplicate_of_id is None
    console.merge(session, reach, a.id, [b.id], confirm_fields=True)
    assert b.duplicate_of_id == a.id


def test_escalation_notifies_receiving_unit_and_waits_in_its_inbox(session: Session, world: World) -> None:
    q = ask(session, world.meeting_a, "Cầu ấp 5 sập, xin tỉnh hỗ trợ")
    questions.set_field(session, q.id, "giao_thong", actor="t")
    questions.escalate(session, q.id, actor="to.a", note="Vượt thẩm quyền huyện")
    assert [r.chat_id for r in notices(session)] == ["to.tinh@example.vn"]
    province = Reach.for_unit(world.province)
    waiting = inbox.section(session, inbox.ESCALATED, province, unit_id=world.province.id, today=workdays.today())
    assert [i.question.id for i in waiting.items] == [q.id]
    assert "Từ Huyện A — hội nghị MA" in waiting.items[0].detail and "Vượt thẩm quyền huyện" in waiting.items[0].detail
    # Nothing escalated to district B.
    other = inbox.section(session, inbox.ESCALATED, Reach.for_unit(world.district_b), unit_id=world.district_b.id,
                          today=workdays.today())
    assert other.total == 0
    # Put on one of the province's meetings, it leaves the inbox and joins that meeting's queue.
    console.take_up(session, province, q.id, world.meeting_p.id)
    assert q.meeting_id == world.meeting_p.id
    assert inbox.section(session, inbox.ESCALATED, province, unit_id=world.province.id,
                         today=workdays.today()).total == 0
    with pytest.raises(ForbiddenMove):
        handover.take_up(session, q.id, world.meeting_b.id, actor="x")


def test_daily_run_sends_due_soon_and_overdue_once(session: Session, world: World) -> None:
    today = workdays.today()
    soon = ask(session, world.meeting_a, "Đèn đường ấp 1 hỏng")
    late = ask(session, world.meeting_a, "Nước sạch ấp 2 đục")
    later = ask(session, world.meeting_a, "Đất ấp 6")
    questions.assign(session, soon.id, world.agency_a.id, actor="t", due_date=workdays.add_working_days(today, 1))
    questions.assign(session, late.id, world.agency_a.id, actor="t", due_date=today - timedelta(days=10))
    questions.assign(session, later.id, world.agency_a.id, actor="t", due_date=workdays.add_working_days(today, 9))
    before = len(notices(session))
    looked, sent = notify.run_due(session, today=today, soon_days=2)
    assert (looked, sent) == (2, 4)
    texts = [r.text for r in notices(session)[before:]]
    assert any(t.startswith(f"[doithoai] Sắp đến hạn: câu hỏi {soon.ticket}") for t in texts)
    assert any(t.startswith(f"[doithoai] Quá hạn: câu hỏi {late.ticket}") for t in texts)
    assert notify.run_due(session, today=today, soon_days=2) == (2, 0)
    # Resolved questions are not reminded.
    questions.change_status(session, late.id, lifecycle.RESOLVED, actor="t")
    assert notify.run_due(session, today=today + timedelta(days=1), soon_days=2)[0] == 1


def test_reminder_button_sends_once_a_day(session: Session, world: World) -> None:
    q = ask(session, world.meeting_a)
    questions.assign(session, q.id, world.agency_a.id, actor="t", due_date=workdays.today() - timedelta(days=3))
    reach = Reach.for_unit(world.district_a, actor="to.a")
    before = len(notices(session))
    _, sent = console.remind(session, reach, q.id)
    assert sent == 2
    assert notices(session)[-1].text.startswith(f"[doithoai] Quá hạn: câu hỏi {q.ticket}")
    assert console.remind(session, reach, q.id)[1] == 0
    assert len(notices(session)) == before + 2


def test_agency_hands_back_with_a_reason(session: Session, world: World) -> None:
    q = ask(session, world.meeting_a, "Tranh chấp đất ấp 7")
    questions.assign(session, q.id, world.agency_a.id, actor="t", due_date=workdays.today() + timedelta(days=5))
    agency = Reach.for_agency(world.agency_a, actor="can.bo.a")
    with pytest.raises(InvalidInput):
        console.hand_back(session, agency, q.id, "  ")
    console.hand_back(session, agency, q.id, "Không thuộc thẩm quyền")
    assert (q.status, q.agency_id, q.due_date) == (lifecycle.TRIAGED, None, None)
    assert notices(session)[-1].chat_id == "to.a@example.vn"
    assert "Lý do: Không thuộc thẩm quyền" in notices(session)[-1].text
    back = inbox.section(session, inbox.HANDED_BACK, Reach.for_unit(world.district_a), unit_id=world.district_a.id,
                         today=workdays.today())
    assert [i.question.id for i in back.items] == [q.id] and back.items[0].detail == "Không thuộc thẩm quyền"
    with pytest.raises(ForbiddenMove):
        handover.hand_back(session, q.id, reason="lần nữa", actor="x")


def test_agency_is_offered_only_its_moves() -> None:
    agency = Reach(role="agency", agency_id=1)
    assert console.allowed_moves(agency, lifecycle.ASSIGNED) == [lifecycle.IN_PROGRESS, lifecycle.RESOLVED,
                                                                 lifecycle.UNRESOLVED]
    assert lifecycle.ESCALATED in console.allowed_moves(Reach.admin(), lifecycle.ASSIGNED)


def test_linked_chat_receives_the_same_notice(session: Session, world: World) -> None:
    officer = session.scalars(select(users.User).where(users.User.username == "can.bo.a")).one()
    link = officer_chats.start_link(session, officer.id, "telegram")
    assert officer_chats.looks_like_code(link.code)
    assert officer_chats.complete_link(session, "zalo", "z1", link.code or "") is None
    assert officer_chats.complete_link(session, "telegram", "777", link.code or "") is not None
    q = ask(session, world.meeting_a)
    questions.assign(session, q.id, world.agency_a.id, actor="t", due_date=workdays.today() + timedelta(days=5))
    chats = [(r.channel, r.chat_id, r.user_id) for r in notices(session) if r.channel == "telegram"]
    assert chats == [("telegram", "777", officer.id)]
    # A Zalo code works from the Official Account too; notices then go there.
    code = officer_chats.start_link(session, officer.id, "zalo").code or ""
    assert officer_chats.complete_link(session, "telegram", "x", code) is None
    assert officer_chats.complete_link(session, "zalo_oa", "oa-user-1", code) is not None
    assert set(officer_chats.chats_of(session, officer.id)) == {"telegram", "zalo"}
    questions.assign(session, q.id, world.agency_a.id, actor="t", due_date=workdays.today() + timedelta(days=6))
    assert [r.chat_id for r in notices(session) if r.channel == "zalo_oa"] == ["oa-user-1"]


def test_last_active_admin_cannot_be_locked(session: Session) -> None:
    first = users.create_user(session, username="qt1", role="admin", password=PASSWORD)
    with pytest.raises(ForbiddenMove):
        users.set_active(session, first.id, False)
    second = users.create_user(session, username="qt2", role="admin", password=PASSWORD)
    users.set_active(session, first.id, False)
    with pytest.raises(ForbiddenMove):
        users.set_active(session, second.id, False)


def test_own_password_change_and_email(session: Session) -> None:
    user = users.create_user(session, username="to.x", role="admin", password=PASSWORD)
    with pytest.raises(InvalidInput):
        users.change_own_password(session, user.id, "sai-mat-khau-1", "mat-khau-moi-12", "mat-khau-moi-12")
    with pytest.raises(InvalidInput):
        users.change_own_password(session, user.id, PASSWORD, "mat-khau-moi-12", "mat-khau-moi-13")
    users.change_own_password(session, user.id, PASSWORD, "mat-khau-moi-12", "mat-khau-moi-12")
    assert users.authenticate(session, "to.x", "mat-khau-moi-12") is not None
    with pytest.raises(InvalidInput):
        users.set_email(session, user.id, "a@b\nBcc: x@y.z")
    assert users.set_email(session, user.id, " to.x@example.vn ").email == "to.x@example.vn"


def test_reopened_question_goes_back_to_the_agency_and_it_is_told(session: Session, world: World) -> None:
    q = ask(session, world.meeting_a, "Đèn đường ấp 3 vẫn tắt")
    questions.assign(session, q.id, world.agency_a.id, actor="t", due_date=workdays.today() + timedelta(days=5))
    questions.change_status(session, q.id, lifecycle.RESOLVED, actor="can.bo.a")
    reach = Reach.for_unit(world.district_a, actor="to.a")
    with pytest.raises(InvalidInput):
        console.reopen(session, reach, q.id, " ")
    before = len(notices(session))
    console.reopen(session, reach, q.id, "Người dân báo đèn vẫn chưa sáng")
    assert q.status == lifecycle.ASSIGNED and q.reopen_count == 1
    new = notices(session)[before:]
    assert {r.chat_id for r in new} == {"phongkt.a@example.vn", "canbo.a@example.vn", "to.a@example.vn"}
    assert all(r.text.startswith(f"[doithoai] Câu hỏi {q.ticket} được mở lại") for r in new)
    agency = Reach.for_agency(world.agency_a)
    section = inbox.section(session, inbox.REOPENED, agency, unit_id=None, today=workdays.today())
    assert [i.question.id for i in section.items] == [q.id]
    assert section.items[0].detail == "Người dân báo đèn vẫn chưa sáng"
    with pytest.raises(OutOfReach):
        console.reopen(session, agency, q.id, "x")

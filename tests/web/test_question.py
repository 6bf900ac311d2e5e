"""The question page: field, duplicates, contact, audit trail, answer composer, deliveries, conflicts."""

from __future__ import annotations

from sqlalchemy import select

from harness.factories import make_citizen
from storage import lifecycle
from storage.actions import citizens, delivery, questions
from storage.models import Outbox, Question, Reply, StatusEvent
from tests.web.conftest import Console
from tests.web.helpers import KeywordAnalyzer, ask, post


def test_page_shows_suggestion_alternatives_and_proposed_duplicate(console: Console) -> None:
    with console.ctx.transaction() as s:
        first = ask(s, console.world.meeting_a, "Đường vào ấp Tân Phú bị hư nặng")
        second = ask(s, console.world.meeting_a, "duong vao ap tan phu bi hu nang")
        ids = first.id, second.id
    c = console.client("org_a")
    page = c.get(f"/questions/{ids[1]}").text
    assert "Giao thông" in page and "81%" in page and "Khả năng khác" in page
    assert "Hệ thống đề xuất trùng" in page
    r = post(c, f"/questions/{ids[1]}/merge", {"into": str(ids[0])})
    assert r.status_code == 303
    page = c.get(f"/questions/{ids[0]}").text
    assert "2 người cùng hỏi" in page and "Gộp / tách câu hỏi trùng" not in page
    assert "Gộp / tách câu hỏi trùng" in c.get(f"/questions/{ids[1]}").text
    assert post(c, f"/questions/{ids[1]}/unmerge").status_code == 303
    with console.session() as s:
        assert s.get(Question, ids[1]).duplicate_of_id is None  # type: ignore[union-attr]


def test_changing_the_field_is_recorded_as_a_correction(console: Console) -> None:
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_a, "Đường dây điện võng thấp qua nhà").id
    c = console.client("org_a")
    assert post(c, f"/questions/{qid}/field", {"field": "dien", "version": "1"}).status_code == 303
    page = c.get(f"/questions/{qid}").text
    assert "Sửa lĩnh vực" in page and "Đã lưu lĩnh vực." in page
    with console.session() as s:
        q = s.get(Question, qid)
        assert q is not None and q.confirmed_field == "dien" and q.status == lifecycle.TRIAGED
        event = s.scalars(select(StatusEvent).where(StatusEvent.question_id == qid,
                                                    StatusEvent.kind == "correction")).one()
        assert (event.from_value, event.to_value, event.actor) == ("giao_thong", "dien", "org_a")
    r = post(c, f"/questions/{qid}/field", {"field": "khong_co_linh_vuc"})
    assert r.status_code == 422 and "không có trong danh mục" in r.text


def test_the_citizens_own_field_choice_is_shown_as_theirs(console: Console) -> None:
    with console.ctx.transaction() as s:
        citizen = make_citizen(s)
        picked = questions.submit_question(s, meeting_id=console.world.meeting_a.id, channel=citizen.channel,
                                           text="Đường vào ấp Tân Phú bị hư nặng", citizen_id=citizen.id,
                                           citizen_field="moi_truong", analyzer=KeywordAnalyzer()).id
        unpicked = ask(s, console.world.meeting_a, "Đường vào ấp Tân Phú bị hư nặng").id
    c = console.client("org_a")
    page = c.get(f"/questions/{picked}").text
    print(page[page.find("Lĩnh vực</h2>"):][:600])
    assert "Người hỏi tự chọn: <strong>Môi trường</strong>" in page and "khác lĩnh vực hiện tại" in page
    assert "Hiện tại: <strong>Giao thông</strong>" in page
    assert "Người hỏi tự chọn" not in c.get(f"/questions/{unpicked}").text
    assert post(c, f"/questions/{picked}/field", {"field": "moi_truong", "version": "1"}).status_code == 303
    page = c.get(f"/questions/{picked}").text
    assert "Người hỏi tự chọn: <strong>Môi trường</strong>" in page and "khác lĩnh vực hiện tại" not in page


def test_stale_form_shows_the_conflict_and_keeps_the_draft(console: Console) -> None:
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_a, "Nước sạch chưa về ấp 4").id
    c = console.client("org_a")
    # Someone else changes the question after the page was opened at version 1.
    with console.ctx.transaction() as s:
        questions.set_field(s, qid, "nuoc_sach", actor="org_other")
    r = post(c, f"/questions/{qid}/reply", {"text": "Dự kiến quý I/2027 có nước.", "version": "1"})
    assert r.status_code == 409
    assert "vừa được người khác thay đổi" in r.text and "Dự kiến quý I/2027 có nước." in r.text
    r = post(c, f"/questions/{qid}/assign", {"agency_id": str(console.world.agency_a.id), "version": "1"})
    assert r.status_code == 409
    with console.session() as s:
        assert s.scalars(select(Reply)).first() is None
        assert s.get(Question, qid).agency_id is None  # type: ignore[union-attr]


def test_answer_reaches_every_asker_and_shows_delivery_state(console: Console) -> None:
    with console.ctx.transaction() as s:
        a = ask(s, console.world.meeting_a, "Đường ấp 3 hư nặng")
        b = ask(s, console.world.meeting_a, "Đường ấp 3 hư nặng lắm", citizen=make_citizen(s, "telegram"))
        questions.merge(s, a.id, [b.id], actor="t")
        questions.assign(s, a.id, console.world.agency_a.id, actor="t")
        qid = a.id
    c = console.client("org_a")
    preview = post(c, f"/questions/{qid}/preview", {"text": "Sẽ sửa trong tháng 12.", "status": "in_progress"})
    assert preview.status_code == 200 and "Trả lời câu hỏi mã" in preview.text and "Đang thực hiện" in preview.text
    assert '<option value="in_progress"' in c.get(f"/questions/{qid}").text
    r = post(c, f"/questions/{qid}/reply", {"text": "Sẽ sửa trong tháng 12.", "status": "in_progress",
                                            "official": "Trưởng phòng Kinh tế"})
    assert r.status_code == 303
    with console.session() as s:
        rows = s.scalars(select(Outbox).where(Outbox.reply_id.is_not(None)).order_by(Outbox.id)).all()
        assert {r.channel for r in rows} == {"web", "telegram"} and all("tháng 12" in r.text for r in rows)
        assert s.get(Question, b.id).status == lifecycle.IN_PROGRESS  # type: ignore[union-attr]
        failed = rows[1].id
        delivery.claim(s, "w1")
        delivery.mark_delivered(s, [rows[0].id])
        delivery.mark_failed(s, failed, "Người dùng đã chặn bot", permanent=True)
        s.commit()
    page = c.get(f"/questions/{qid}").text
    assert "Đã gửi" in page and "Gửi lỗi" in page and "Người dùng đã chặn bot" in page
    assert post(c, f"/deliveries/{failed}/retry").status_code == 303
    with console.session() as s:
        assert s.get(Outbox, failed).status == "pending"  # type: ignore[union-attr]
    assert post(c, "/deliveries/999999/retry").status_code == 404
    r = post(c, f"/questions/{qid}/reply", {"text": "   "})
    assert r.status_code == 422 and "Nội dung trả lời đang trống." in r.text


def test_contact_is_masked_for_agency_officers(console: Console) -> None:
    with console.ctx.transaction() as s:
        citizen = make_citizen(s)
        citizens.give_consent(s, citizen.id)
        citizens.update_details(s, citizen.id, name="Nguyễn Văn An", phone="0912345678", locality="Ấp 3")
        qid = ask(s, console.world.meeting_a, "Điện yếu", citizen=citizen).id
        questions.assign(s, qid, console.world.agency_a.id, actor="t")
    organiser = console.client("org_a").get(f"/questions/{qid}").text
    assert "Nguyễn Văn An" in organiser and "0912345678" in organiser
    agency = console.client("agency_a").get(f"/questions/{qid}").text
    assert "Nguyễn V. A." in agency and "091****678" in agency and "0912345678" not in agency


def test_unknown_and_malformed_ids(console: Console) -> None:
    c = console.client("org_a")
    assert c.get("/questions/424242").status_code == 404
    r = c.get("/questions/abc")
    assert r.status_code == 422 and "không hợp lệ" in r.text
    assert c.get("/tickets/HG-2026-999999").status_code == 404
    assert post(c, "/questions/424242/status", {"status": "resolved"}).status_code == 404
    assert c.get("/khong-co-trang-nay").status_code == 404

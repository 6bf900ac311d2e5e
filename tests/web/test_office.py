"""The console around a meeting: inbox, hand-back, confirmations, attachments, accounts, units and agencies."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from storage import lifecycle, workdays
from storage.actions import attachments, questions, units, users
from storage.actions.attachments import Upload
from storage.models import Agency, Outbox, Question, Unit, User
from tests.web.conftest import Console
from tests.web.helpers import PASSWORD, ask, login, post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_status_form_preselects_nothing_and_agency_sees_only_its_moves(console: Console) -> None:
    with console.ctx.transaction() as s:
        q = ask(s, console.world.meeting_a, "Đường ấp 2 ngập")
        questions.assign(s, q.id, console.world.agency_a.id, actor="t", due_date=workdays.today() + timedelta(days=9))
        qid = q.id
    page = console.client("org_a").get(f"/questions/{qid}").text
    form = page.split(f'action="/questions/{qid}/status"')[1].split("</form>")[0]
    assert '<option value="" selected disabled>Chọn trạng thái…</option>' in form
    assert "Chuyển lên cấp trên" in form
    agency_form = console.client("agency_a").get(f"/questions/{qid}").text.split(
        f'action="/questions/{qid}/status"')[1].split("</form>")[0]
    assert "Chuyển lên cấp trên" not in agency_form and "Đã giải quyết" in agency_form
    r = post(console.client("org_a"), f"/questions/{qid}/status", {"status": ""})
    assert r.status_code == 422 and "Chưa chọn trạng thái mới." in r.text


def test_past_due_date_is_asked_again_then_kept(console: Console) -> None:
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_a, "Cầu ấp 3 yếu").id
    c = console.client("org_a")
    past = (workdays.today() - timedelta(days=3)).isoformat()
    r = post(c, f"/questions/{qid}/assign", {"agency_id": str(console.world.agency_a.id), "due_date": past})
    assert r.status_code == 409 and "đã qua" in r.text and "Vẫn giao với hạn này" in r.text
    assert '<input type="hidden" name="confirm" value="1">' in r.text
    with console.session() as s:
        assert s.get(Question, qid).agency_id is None  # type: ignore[union-attr]
    r = post(c, f"/questions/{qid}/assign", {"agency_id": str(console.world.agency_a.id), "due_date": past,
                                             "confirm": "1"})
    assert r.status_code == 303


def test_assignment_without_date_counts_working_days(console: Console) -> None:
    with console.ctx.transaction() as s:
        qid = ask(s, console.world.meeting_a, "Điện ấp 8 chập chờn").id
        units.set_deadline_days(s, console.world.district_a.id, {"urgent": 2})
    c = console.client("org_a")
    r = post(c, f"/questions/{qid}/assign", {"agency_id": str(console.world.agency_a.id), "urgency": "urgent"})
    assert r.status_code == 303
    due = workdays.add_working_days(workdays.today(), 2)
    page = c.get(f"/questions/{qid}").text
    assert f'hạn <span class="due">{due:%d/%m/%Y}</span> (mức khẩn)' in page


def test_cross_field_merge_is_asked_again(console: Console) -> None:
    with console.ctx.transaction() as s:
        a = ask(s, console.world.meeting_a, "Đường ấp 1 hư")
        b = ask(s, console.world.meeting_a, "Điện ấp 1 yếu")
        ids = a.id, b.id
    c = console.client("org_a")
    r = post(c, f"/questions/{ids[1]}/merge", {"into": str(ids[0])})
    assert r.status_code == 409 and "lĩnh vực khác nhau" in r.text and "Vẫn gộp" in r.text
    assert post(c, f"/questions/{ids[1]}/merge", {"into": str(ids[0]), "confirm": "1"}).status_code == 303


def test_agency_hands_back_and_it_waits_in_the_organisers_inbox(console: Console) -> None:
    with console.ctx.transaction() as s:
        q = ask(s, console.world.meeting_a, "Tranh chấp đất ranh giới ấp 4")
        questions.assign(s, q.id, console.world.agency_a.id, actor="t", due_date=workdays.today() + timedelta(days=9))
        qid, ticket = q.id, q.ticket
    officer = console.client("agency_a")
    assert "Trả lại Tổ giúp việc" in officer.get(f"/questions/{qid}").text
    assert ticket in officer.get("/inbox").text
    r = post(officer, f"/questions/{qid}/hand-back", {"reason": "Không thuộc thẩm quyền"})
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    assert officer.get(f"/questions/{qid}").status_code == 404
    inbox = console.client("org_a").get("/inbox").text
    section = inbox.split('id="handed_back"')[1].split("</section>")[0]
    assert ticket in section and "Không thuộc thẩm quyền" in section
    assert ticket not in console.client("org_b").get("/inbox").text


def test_escalated_question_waits_at_the_receiving_unit_until_taken_up(console: Console) -> None:
    with console.ctx.transaction() as s:
        q = ask(s, console.world.meeting_a, "Cầu liên xã sập")
        questions.set_field(s, q.id, "giao_thong", actor="t")
        questions.escalate(s, q.id, actor="org_a", note="Cần tỉnh đầu tư")
        qid, ticket = q.id, q.ticket
    province = console.client("org_p")
    page = province.get("/inbox").text
    section = page.split('id="escalated"')[1].split("</section>")[0]
    assert ticket in section and "Từ Huyện A — hội nghị MA" in section and "Cần tỉnh đầu tư" in section
    assert ticket not in console.client("org_b").get("/inbox").text
    r = post(province, f"/questions/{qid}/take-up", {"meeting_id": str(console.world.meeting_p.id)})
    assert r.status_code == 303
    assert ticket not in province.get("/inbox").text.split('id="escalated"')[1].split("</section>")[0]
    assert ticket in province.get(f"/meetings/{console.world.meeting_p.id}/queue").text


def test_attachments_inline_or_download_only_within_reach(console: Console, tmp_path: Path) -> None:
    uploads = Path(console.ctx.settings.upload_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "anh.png").write_bytes(PNG)
    (uploads / "trang.html").write_bytes(b"<script>alert(1)</script>")
    (tmp_path / "ngoai.txt").write_text("bí mật")
    with console.ctx.transaction() as s:
        q = ask(s, console.world.meeting_a, "Đường hư, có ảnh")
        photo = attachments.add_attachment(s, q.id, Upload("photo", f"file:{uploads / 'anh.png'}", "anh.png",
                                                           "image/png", len(PNG)))
        page_doc = attachments.add_attachment(s, q.id, Upload("document", f"file:{uploads / 'trang.html'}",
                                                              "trang.html", "text/html"))
        outside = attachments.add_attachment(s, q.id, Upload("document", f"file:{tmp_path / 'ngoai.txt'}",
                                                             "ngoai.txt"))
        remote = attachments.add_attachment(s, q.id, Upload("photo", "telegram:AgADBAAD"))
        qid, ids = q.id, (photo.id, page_doc.id, outside.id, remote.id)
    c = console.client("org_a")
    page = c.get(f"/questions/{qid}").text
    assert f'<img src="/attachments/{ids[0]}"' in page and f'href="/attachments/{ids[1]}" download' in page
    assert "chưa tải về máy chủ" in page
    r = c.get(f"/attachments/{ids[0]}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == PNG
    assert r.headers["x-content-type-options"] == "nosniff" and "sandbox" in r.headers["content-security-policy"]
    r = c.get(f"/attachments/{ids[1]}")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert c.get(f"/attachments/{ids[2]}").status_code == 404  # outside the uploads folder
    assert c.get(f"/attachments/{ids[3]}").status_code == 404
    assert console.client("org_b").get(f"/attachments/{ids[0]}").status_code == 404
    assert console.client("agency_a").get(f"/attachments/{ids[0]}").status_code == 404  # not assigned to it


def test_own_account_email_password_and_chat_link(console: Console) -> None:
    c = console.client("agency_a")
    assert post(c, "/account/email", {"email": "khong-hop-le"}).status_code == 422
    assert post(c, "/account/email", {"email": "canbo.a@example.vn"}).status_code == 303
    r = post(c, "/account/password", {"current": PASSWORD, "new": "mat-khau-moi-2026", "repeat": "mat-khau-moi-2026"})
    assert r.status_code == 303
    assert "Đã đổi mật khẩu." in c.get("/account").text  # this session continues
    login(console.client(None), "agency_a", "mat-khau-moi-2026")
    assert post(c, "/account/chats/telegram").status_code == 303
    page = c.get("/account").text
    code = re.search(r"/start (LK[A-Z0-9]{10})", page)
    assert code and f"https://t.me/doithoai_hg_bot?start={code.group(1)}" in page
    with console.session() as s:
        assert s.scalars(select(User.email).where(User.username == "agency_a")).one() == "canbo.a@example.vn"


def test_admin_resets_password_and_cannot_lock_the_last_admin(console: Console) -> None:
    c = console.client("admin")
    with console.session() as s:
        admin_id = s.scalars(select(User.id).where(User.username == "admin")).one()
        officer_id = s.scalars(select(User.id).where(User.username == "agency_a")).one()
    r = post(c, f"/admin/users/{admin_id}/active", {"active": "0"})
    assert r.status_code == 422 and "tài khoản quản trị cuối cùng" in r.text
    r = post(c, f"/admin/users/{officer_id}/password")
    new = re.search(r'Mật khẩu mới của <strong>agency_a</strong> \(chỉ hiện một lần\): <code class="secret">([^<]+)<',
                    r.text)
    assert new
    login(console.client(None), "agency_a", new.group(1))
    assert post(c, f"/admin/users/{officer_id}/email", {"email": "a@example.vn"}).status_code == 303


def test_units_and_agencies_managed_in_the_console(console: Console) -> None:
    c = console.client("admin")
    province = str(console.world.province.id)
    assert post(c, "/admin/units", {"code": "HG-NB", "name": "Xã Ngã Bảy", "level": "xã",
                                    "parent_id": province}).status_code == 303
    assert "đã được dùng" in post(c, "/admin/units", {"code": "HG-NB", "name": "X", "level": "xã"}).text
    with console.session() as s:
        unit = s.scalars(select(Unit).where(Unit.code == "HG-NB")).one()
        unit_id = unit.id
    assert post(c, f"/admin/units/{unit_id}/rename", {"name": "Phường Ngã Bảy"}).status_code == 303
    assert post(c, f"/admin/units/{unit_id}/deadlines", {"normal": "7", "urgent": "x"}).status_code == 422
    assert post(c, f"/admin/units/{unit_id}/deadlines", {"normal": "7", "urgent": "2"}).status_code == 303
    assert post(c, "/admin/agencies", {"unit_id": str(unit_id), "name": "Phòng Kinh tế",
                                       "email": "pkt@example.vn"}).status_code == 303
    with console.session() as s:
        agency = s.scalars(select(Agency).where(Agency.unit_id == unit_id)).one()
        agency_id = agency.id
    assert post(c, f"/admin/agencies/{agency_id}/edit", {"name": "Phòng Kinh tế, Hạ tầng",
                                                         "email": ""}).status_code == 303
    assert post(c, f"/admin/agencies/{agency_id}/active", {"active": "0"}).status_code == 303
    assert post(c, f"/admin/units/{unit_id}/active", {"active": "0"}).status_code == 303
    with console.session() as s:
        unit2, agency2 = s.get(Unit, unit_id), s.get(Agency, agency_id)
        assert unit2 is not None and agency2 is not None
        assert (unit2.name, unit2.former_names, unit2.deadline_days, unit2.active) == (
            "Phường Ngã Bảy", "Xã Ngã Bảy", {"normal": 7, "urgent": 2}, False)
        assert (agency2.name, agency2.email, agency2.active) == ("Phòng Kinh tế, Hạ tầng", None, False)
    assert console.client("org_a").get("/admin/units").status_code == 403


def test_reminder_button_emails_the_agency(console: Console) -> None:
    with console.ctx.transaction() as s:
        q = ask(s, console.world.meeting_a, "Nước ấp 9 đục")
        s.get(Agency, console.world.agency_a.id).email = "pkt.a@example.vn"  # type: ignore[union-attr]
        questions.assign(s, q.id, console.world.agency_a.id, actor="t", due_date=workdays.today() - timedelta(days=4))
        qid = q.id
        users.set_email(s, s.scalars(select(User.id).where(User.username == "agency_a")).one(), "cb.a@example.vn")
    c = console.client("org_a")
    post(c, f"/overdue/{qid}/remind")
    assert "Đã gửi nhắc nhở (2 thư, tin nhắn)" in c.get("/overdue").text
    with console.session() as s:
        rows = s.scalars(select(Outbox).where(Outbox.question_id == qid, Outbox.channel == "email")).all()
        assert {r.chat_id for r in rows} >= {"pkt.a@example.vn", "cb.a@example.vn"}
    page = c.get(f"/questions/{qid}").text
    assert "Thông báo cho cán bộ" in page and "cb.a@example.vn" in page
    assert lifecycle.label(lifecycle.ASSIGNED) in page


def test_organiser_reopens_a_resolved_question_with_a_reason(console: Console) -> None:
    with console.ctx.transaction() as s:
        q = ask(s, console.world.meeting_a, "Cống ấp 5 vẫn nghẹt")
        questions.assign(s, q.id, console.world.agency_a.id, actor="t", due_date=workdays.today() + timedelta(days=9))
        questions.change_status(s, q.id, lifecycle.RESOLVED, actor="agency_a")
        qid, ticket = q.id, q.ticket
    c = console.client("org_a")
    page = c.get(f"/questions/{qid}").text
    assert "Mở lại câu hỏi" in page
    assert "Mở lại câu hỏi" not in console.client("agency_a").get(f"/questions/{qid}").text
    r = post(c, f"/questions/{qid}/reopen", {"reason": ""})
    assert r.status_code == 422 and "Cần ghi rõ lý do mở lại" in r.text
    assert post(c, f"/questions/{qid}/reopen", {"reason": "Cống vẫn nghẹt sau mưa"}).status_code == 303
    assert "Mở lại: Đã giải quyết → Đã giao cơ quan" in c.get(f"/questions/{qid}").text
    inbox = console.client("agency_a").get("/inbox").text
    assert ticket in inbox.split('id="reopened"')[1].split("</section>")[0]

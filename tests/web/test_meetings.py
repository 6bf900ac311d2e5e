"""Meetings: create and edit with clear errors, poster with QR codes, agenda, conclusion notice."""

from __future__ import annotations

import io
import re

from docx import Document
from sqlalchemy import select

from storage.actions import meetings, questions, replies
from storage.models import AgendaItem, Meeting, Outbox, Question
from tests.web.conftest import Console
from tests.web.helpers import ask, post


def test_create_and_edit_meeting(console: Console) -> None:
    c = console.client("org_a")
    form = {"unit_id": str(console.world.commune_a1.id), "title": "Đối thoại với nông dân xã A1",
            "chair": "Chủ tịch UBND xã", "target_group": "Nông dân", "place": "Hội trường xã",
            "starts_at": "2026-12-15T08:00", "intake_until": "2026-12-16T17:00"}
    r = post(c, "/meetings", form)
    assert r.status_code == 422 and "Hạn nhận câu hỏi phải trước thời gian hội nghị." in r.text
    assert "Đối thoại với nông dân xã A1" in r.text  # the form keeps what was typed
    r = post(c, "/meetings", {**form, "starts_at": "15/12/2026"})
    assert r.status_code == 422
    r = post(c, "/meetings", {**form, "starts_at": "ngày mai"})
    assert r.status_code == 422 and "không đúng dạng ngày giờ" in r.text
    r = post(c, "/meetings", {**form, "intake_until": "2026-12-13T17:00"})
    assert r.status_code == 303
    with console.session() as s:
        m = s.scalars(select(Meeting).where(Meeting.title == form["title"])).one()
        assert m.starts_at.isoformat() == "2026-12-15T01:00:00+00:00"
    r = post(c, f"/meetings/{m.id}/edit", {**form, "title": "Đối thoại (sửa)", "intake_until": ""})
    assert r.status_code == 303
    assert "Đối thoại (sửa)" in c.get("/meetings").text
    # A unit of another district is out of reach.
    r = post(c, "/meetings", {**form, "unit_id": str(console.world.district_b.id), "intake_until": ""})
    assert r.status_code == 403


def test_poster_has_qr_codes_and_deep_links(console: Console) -> None:
    c = console.client("org_a")
    page = c.get(f"/meetings/{console.world.meeting_a.id}/poster").text
    assert "https://t.me/doithoai_hg_bot?start=m_MA" in page
    assert "http://127.0.0.1:8000/chat/MA" in page and "https://zalo.me/s/doithoai" in page
    assert page.count("<svg") == 3


def test_agenda_order_marks_and_projector(console: Console) -> None:
    with console.ctx.transaction() as s:
        ids = [ask(s, console.world.meeting_a, t).id for t in ("Đường ấp 1 hư", "Điện ấp 2 yếu", "Nước ấp 3 đục")]
    c = console.client("org_a")
    mid = console.world.meeting_a.id
    post(c, f"/meetings/{mid}/queue/bulk", {"op": "agenda", "qid": [str(i) for i in ids]})
    post(c, f"/meetings/{mid}/queue/bulk", {"op": "agenda", "qid": [str(ids[0])]})  # no duplicate entry
    with console.session() as s:
        items = s.scalars(select(AgendaItem).order_by(AgendaItem.position)).all()
        assert [i.question_id for i in items] == ids
    post(c, f"/agenda/{items[2].id}/move", {"delta": "-1"})
    post(c, f"/agenda/{items[0].id}/official", {"official": "Phó Chủ tịch UBND huyện"})
    post(c, f"/questions/{ids[0]}/answered", {"value": "1", "back": f"/meetings/{mid}/agenda"})
    page = c.get(f"/meetings/{mid}/agenda", params={"mode": "projector"}).text
    assert 'class="projector"' in page and "Phó Chủ tịch UBND huyện" in page
    assert page.index("Nước ấp 3") < page.index("Điện ấp 2")
    assert "Đã trả lời tại hội nghị" in page
    post(c, f"/agenda/{items[1].id}/remove", {"meeting_id": str(mid)})
    assert "Điện ấp 2" not in c.get(f"/meetings/{mid}/agenda").text


def test_conclusion_notice_docx_and_sending(console: Console) -> None:
    w = console.world
    with console.ctx.transaction() as s:
        a = ask(s, w.meeting_a, "Đường ấp 1 hư nặng")
        b = ask(s, w.meeting_a, "Đường ấp 1 hư nặng quá")
        other = ask(s, w.meeting_a, "Nước máy yếu")
        questions.merge(s, a.id, [b.id], actor="t")
        questions.assign(s, a.id, w.agency_a.id, actor="t", due_date=None)
        replies.reply(s, a.id, "Huyện bố trí vốn sửa đường trong quý I/2027.", author="t", status="in_progress")
        meetings.record_attendance(s, w.meeting_a.id, 214)
        other_id = other.id
    c = console.client("org_a")
    mid = w.meeting_a.id
    r = post(c, f"/meetings/{mid}/conclusion/send")
    assert r.status_code == 409 and "sau khi hội nghị đã diễn ra" in r.text
    post(c, f"/meetings/{mid}/state", {"state": "held"})
    with console.session() as s:
        before = len(s.scalars(select(Outbox)).all())
    r = post(c, f"/meetings/{mid}/conclusion/send")
    assert "Đã gửi trả lời đến 2 người hỏi. Còn 1 câu hỏi chưa có trả lời" in c.get(r.headers["location"]).text
    post(c, f"/meetings/{mid}/conclusion/send")  # a second click sends nothing new
    with console.session() as s:
        new = s.scalars(select(Outbox).where(Outbox.idempotency_key.like("conclusion:%"))).all()
        assert len(new) == 2 and len(s.scalars(select(Outbox)).all()) == before + 2
        assert s.get(Question, other_id) is not None
    r = c.get(f"/meetings/{mid}/conclusion.docx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "THÔNG BÁO" in text and "Kết luận của" in text and "214 lượt người tham dự" in text
    assert "tiếp nhận 3 ý kiến, kiến nghị (gộp thành 2 nội dung)" in text
    assert "(2 người cùng kiến nghị)" in text and "quý I/2027" in text
    assert "Đường ấp 1 hư nặng" not in text  # the citizens' own words stay out of the notice
    assert "Cơ quan chịu trách nhiệm: Phòng Kinh tế huyện A" in text
    assert re.search(r"Đã trả lời 1/2 nội dung \(50,00%\)", text)

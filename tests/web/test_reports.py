"""Reports as tables, charts, XLSX and DOCX with the right figures; overdue assignments and reminders."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from storage import lifecycle, workdays
from storage.actions import meetings, questions, replies
from storage.models import StatusEvent
from storage.vnformat import LOCAL_TZ
from tests.web.conftest import Console
from tests.web.helpers import ask, post

TODAY = datetime.now(LOCAL_TZ).date()


@pytest.fixture
def held(console: Console) -> Console:
    """District A's meeting held with 1.234 attendances and 5 questions of every outcome."""
    w = console.world
    with console.ctx.transaction() as s:
        qs = [ask(s, w.meeting_a, t) for t in ("Đường ấp 1 hư", "Điện ấp 2 yếu", "Nước ấp 3 đục", "Đất ấp 4",
                                                 "Lúa mất giá")]
        questions.assign(s, qs[0].id, w.agency_a.id, actor="t", due_date=TODAY + timedelta(days=5))
        for q in qs[1:3]:
            questions.assign(s, q.id, w.agency_a.id, actor="t", due_date=TODAY - timedelta(days=3))
        replies.reply(s, qs[0].id, "Đã sửa xong.", author="t", status=lifecycle.RESOLVED)
        questions.change_status(s, qs[1].id, lifecycle.IN_PROGRESS, actor="t")
        questions.set_field(s, qs[3].id, "dat_dai", actor="t")
        questions.change_status(s, qs[3].id, lifecycle.UNRESOLVED, actor="t")
        questions.set_field(s, qs[4].id, "nong_nghiep", actor="t")
        questions.escalate(s, qs[4].id, actor="t")
        meetings.set_meeting_state(s, w.meeting_a.id, "held")
        meetings.record_attendance(s, w.meeting_a.id, 1234)
    return console


def test_report_page_and_charts(held: Console) -> None:
    c = held.client("org_p")
    page = c.get("/reports").text
    assert "Tỉnh Hậu Giang" in page and "1.234" in page and "20,00%" in page
    assert "Phòng Kinh tế huyện A" in page and "Giao thông" in page
    svg = c.get("/reports/chart/levels.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert b"<svg" in c.get("/reports/chart/fields.svg").content
    assert c.get("/reports", params={"from": "2026-12-31", "to": "2026-01-01"}).status_code == 422


def test_xlsx_figures(held: Console) -> None:
    c = held.client("org_p")
    r = c.get("/reports/export.xlsx")
    book = load_workbook(io.BytesIO(r.content))
    sheet = book["Theo cấp"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["Huyện"][1:10] == (1, 1234, 5, 1, 2, 1, 1, 0, "20,00%")
    assert rows["Tổng cộng"][1:4] == (1, 1234, 5)
    assert rows["Tỉnh"][3] == 0
    agencies = list(book["Theo cơ quan"].iter_rows(min_row=2, values_only=True))
    # Three assigned, all due; one resolved (on time), one overdue and still open, one unresolved.
    assert agencies == [("Phòng Kinh tế huyện A", 3, 1, 3, 1, 2, "33,33%")]
    fields = {row[0]: row for row in book["Theo lĩnh vực"].iter_rows(min_row=2, values_only=True)}
    assert fields["Giao thông"][1:3] == (1, 1) and fields["Đất đai"][4] == 1
    assert sum(row[1] for row in book["Theo tháng"].iter_rows(min_row=2, values_only=True)) == 5


def test_docx_figures(held: Console) -> None:
    c = held.client("org_a")
    r = c.get("/reports/export.docx")
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "KẾT QUẢ GIẢI QUYẾT CÁC Ý KIẾN, ĐỀ XUẤT, KIẾN NGHỊ CỦA NHÂN DÂN" in text
    assert ("Tổng số đã tổ chức 1 hội nghị tiếp xúc, đối thoại với 1.234 lượt người tham dự; tiếp nhận 5 ý kiến"
            in text)
    assert "đạt tỷ lệ 20,00%" in text
    level = doc.tables[0]
    cells = [[cell.text for cell in row.cells] for row in level.rows]
    assert cells[0][0] == "Cấp" and cells[-1][0] == "Tổng cộng"
    assert cells[-1][1:4] == ["1", "1.234", "5"] and cells[-1][-1] == "20,00%"


def test_overdue_and_reminder(held: Console) -> None:
    c = held.client("org_a")
    page = c.get("/overdue").text
    late = workdays.working_days_between(TODAY - timedelta(days=3), TODAY)
    assert "Phòng Kinh tế huyện A" in page and f"trễ {late} ngày làm việc" in page and "chưa nhắc" in page
    assert "Đường ấp 1" not in page  # resolved is not overdue
    with held.session() as s:
        qid = s.scalars(select(StatusEvent.question_id).where(StatusEvent.to_value == lifecycle.IN_PROGRESS)).first()
    r = post(c, f"/overdue/{qid}/remind")
    assert r.status_code == 303
    # The agency has no address for notices yet: the reminder is recorded, no message is sent.
    assert "Đã ghi nhắc nhở: Nhắc Phòng Kinh tế huyện A xử lý" in c.get("/overdue").text
    agency_page = held.client("agency_a").get("/overdue").text
    assert "Điện ấp 2" in agency_page and "chưa nhắc" in agency_page  # one reminded, one not
    assert "Nhắc</button>" not in agency_page
    assert "Điện ấp 2" not in held.client("org_b").get("/overdue").text

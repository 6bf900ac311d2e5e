"""Reports as tables, charts, XLSX and DOCX with the right figures; overdue assignments and reminders."""

from __future__ import annotations

import html
import io
import zipfile
from datetime import datetime, timedelta

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from storage import lifecycle, workdays
from storage.actions import meetings, questions, replies, units
from storage.models import StatusEvent
from tests.web.conftest import Console
from tests.web.helpers import ask, post
from vntext import LOCAL_TZ
from vntext.reports import COUNTING_RULE

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
    assert html.escape(COUNTING_RULE, quote=False) in page
    for title in ("Theo cấp", "Theo lĩnh vực", "Theo cơ quan giải quyết", "Theo thời gian"):
        assert f"<h2>{title}</h2>" in page
    assert page.count("<th class=\"num\">Chưa xử lý</th>") == 4 and page.count("<th class=\"num\">Nhóm</th>") == 4
    svg = c.get("/reports/chart/levels.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert b"<svg" in c.get("/reports/chart/fields.svg").content
    assert c.get("/reports", params={"from": "2026-12-31", "to": "2026-01-01"}).status_code == 422


def _sheet(book: Workbook, title: str) -> dict[str, tuple[object, ...]]:
    return {str(row[0]): row for row in book[title].iter_rows(min_row=6, values_only=True)}


def test_xlsx_figures(held: Console) -> None:
    c = held.client("org_p")
    r = c.get("/reports/export.xlsx")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Theo cấp", "Theo lĩnh vực", "Theo cơ quan giải quyết", "Theo thời gian"]
    assert book["Theo cấp"]["A3"].value == COUNTING_RULE
    rows = _sheet(book, "Theo cấp")
    # meetings, attendances, questions, groups, resolved, in progress, unresolved, escalated, pending, rate
    assert rows["Huyện"][1:11] == (1, 1234, 5, 5, 1, 2, 1, 1, 0, 0.2)
    assert rows["Tổng cộng"][1:4] == (1, 1234, 5)
    assert rows["Tỉnh"][3] == 0 and rows["Tỉnh"][10] is None
    cell = book["Theo cấp"]["K7"]
    assert cell.value == 0.2 and cell.number_format == "0.00%" and book["Theo cấp"]["C7"].number_format == "#,##0"
    agencies = _sheet(book, "Theo cơ quan giải quyết")
    # Three assigned, all due: one resolved (on time), two in progress and overdue.
    assert agencies["Phòng Kinh tế huyện A"][1:] == (3, 3, 1, 2, 0, 0, 0, 1 / 3, 3, 1, 2, 1 / 3, 0, 0, None, 0, 0)
    fields = _sheet(book, "Theo lĩnh vực")
    assert fields["Giao thông"][1:4] == (1, 1, 1) and fields["Đất đai"][5] == 1
    assert fields["Tổng cộng"][1] == 5
    assert _sheet(book, "Theo thời gian")["Tổng cộng"][1] == 5
    outcomes = ["Đã giải quyết", "Đang thực hiện", "Giải quyết chưa xong", "Chuyển lên cấp trên", "Chưa xử lý"]
    for sheet in book.worksheets:
        headers = [c.value for c in sheet[5]]
        total = headers.index("Ý kiến, kiến nghị") if "Ý kiến, kiến nghị" in headers else headers.index("Được giao")
        for row in sheet.iter_rows(min_row=6, values_only=True):
            assert row[total] == sum(row[headers.index(h)] for h in outcomes), (sheet.title, row)


def test_xlsx_keeps_formula_like_names_as_text(held: Console) -> None:
    with held.ctx.transaction() as s:
        agency = units.create_agency(s, unit_id=held.world.district_a.id, name="=HYPERLINK(\"http://x\",\"y\")")
        q = ask(s, held.world.meeting_b, "Điện ấp 9 chập chờn")
        questions.assign(s, q.id, agency.id, actor="t")
        units.create_agency(s, unit_id=held.world.district_a.id, name="@SUM(1+1)")
    content = held.client("org_p").get("/reports/export.xlsx").content
    book = load_workbook(io.BytesIO(content))
    names = {c.value: c for c in book["Theo cơ quan giải quyết"]["A"] if c.value}
    cell = names["=HYPERLINK(\"http://x\",\"y\")"]
    assert cell.data_type == "s" and cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_docx_figures(held: Console) -> None:
    c = held.client("org_a")
    r = c.get("/reports/export.docx")
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "KẾT QUẢ GIẢI QUYẾT CÁC Ý KIẾN, ĐỀ XUẤT, KIẾN NGHỊ CỦA NHÂN DÂN" in text.upper()
    assert ("Tổng số đã tổ chức 1 hội nghị tiếp xúc, đối thoại với 1.234 lượt người tham dự; tiếp nhận 5 ý kiến"
            in text)
    assert "đạt tỷ lệ 20,00%" in text and COUNTING_RULE in text
    assert "4. Kết quả theo thời gian" in text
    level = doc.tables[1]
    cells = [[cell.text for cell in row.cells] for row in level.rows]
    assert cells[0][0] == "Cấp" and cells[-1][0] == "Tổng cộng"
    assert cells[-1][1:5] == ["1", "1.234", "5", "5"] and cells[-1][cells[0].index("Tỷ lệ giải quyết")] == "20,00%"
    assert cells[0][-5:] == ["Được đánh giá", "Hài lòng", "Tỷ lệ hài lòng", "Mở lại", "Tỷ lệ mở lại"]
    field_headers = [cell.text for cell in doc.tables[2].rows[0].cells]
    assert "Chưa xử lý" in field_headers and "Nhóm" in field_headers
    months = [[cell.text for cell in row.cells] for row in doc.tables[4].rows]
    assert months[0][0] == "Tháng" and months[-1][:2] == ["Tổng cộng", "5"]


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

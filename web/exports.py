"""DOCX and XLSX files laid out like the seed's report, and the conclusion notice."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from storage.models import Meeting, Question, Reply
from storage.reports import HEADERS, AgencyRow, FieldRow, LevelReport
from storage.vnformat import LOCAL_TZ, vn_date, vn_datetime, vn_int, vn_pct

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "Kết quả giải quyết các ý kiến, đề xuất, kiến nghị của nhân dân"


@dataclass
class ReportData:
    unit_name: str
    period: str
    levels: LevelReport
    fields: list[FieldRow]
    agencies: list[AgencyRow]
    months: list[tuple[str, int, int]]
    field_labels: dict[str, str]


def download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


FIELD_HEADERS = ["Lĩnh vực", "Ý kiến, kiến nghị", "Đã giải quyết", "Đang thực hiện", "Giải quyết chưa xong",
                 "Chuyển lên cấp trên", "Tỷ lệ giải quyết"]
AGENCY_HEADERS = ["Cơ quan", "Được giao", "Đã giải quyết", "Đến hạn", "Đúng hạn", "Quá hạn chưa xong",
                  "Tỷ lệ đúng hạn"]


def field_cells(row: FieldRow, labels: dict[str, str]) -> list[str]:
    return [labels.get(row.field, row.field), vn_int(row.questions), vn_int(row.resolved), vn_int(row.in_progress),
            vn_int(row.unresolved), vn_int(row.escalated), row.rate]


def agency_cells(row: AgencyRow) -> list[str]:
    return [row.agency, vn_int(row.assigned), vn_int(row.resolved), vn_int(row.due), vn_int(row.on_time),
            vn_int(row.overdue_open), row.on_time_rate]


def report_xlsx(data: ReportData) -> bytes:
    """Numbers stay numbers (so they add up in Excel), shown with Vietnamese thousands separators."""
    book = Workbook()
    sheet = book.create_sheet()
    book.remove(book.worksheets[0])
    sheet.title = "Theo cấp"
    sheet.append([TITLE])
    sheet.append([f"{data.unit_name} — {data.period}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(HEADERS)
    for row in [*data.levels.rows, data.levels.total]:
        sheet.append([row.label, row.meetings, row.attendances, row.questions, row.resolved, row.in_progress,
                      row.unresolved, row.escalated, row.pending, row.rate])
    for cells in sheet.iter_rows(min_row=5):
        for cell in cells[1:9]:
            cell.number_format = "#,##0"
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.column_dimensions["A"].width = 16
    by_field = book.create_sheet("Theo lĩnh vực")
    by_field.append(FIELD_HEADERS)
    for f in data.fields:
        by_field.append([data.field_labels.get(f.field, f.field), f.questions, f.resolved, f.in_progress,
                         f.unresolved, f.escalated, f.rate])
    by_field.column_dimensions["A"].width = 36
    by_agency = book.create_sheet("Theo cơ quan")
    by_agency.append(AGENCY_HEADERS)
    for a in data.agencies:
        by_agency.append([a.agency, a.assigned, a.resolved, a.due, a.on_time, a.overdue_open, a.on_time_rate])
    by_agency.column_dimensions["A"].width = 48
    by_month = book.create_sheet("Theo tháng")
    by_month.append(["Tháng", "Ý kiến, kiến nghị", "Đã giải quyết"])
    for month, n, r in data.months:
        by_month.append([month, n, r])
    for ws in (by_field, by_agency, by_month):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table(doc: object, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = text
            if i:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _heading(doc: object, text: str, size: int = 14) -> None:
    para = doc.add_paragraph()  # type: ignore[attr-defined]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    run.font.bold = True
    run.font.size = Pt(size)


def report_docx(data: ReportData) -> bytes:
    doc = Document()
    _heading(doc, TITLE.upper())
    _heading(doc, f"{data.unit_name} — {data.period}", 12)
    total = data.levels.total
    doc.add_paragraph(
        f"Tổng số đã tổ chức {vn_int(total.meetings)} hội nghị tiếp xúc, đối thoại với {vn_int(total.attendances)} "
        f"lượt người tham dự; tiếp nhận {vn_int(total.questions)} ý kiến, đề xuất, kiến nghị; đã giải quyết "
        f"{vn_int(total.resolved)} ý kiến, đạt tỷ lệ {total.rate}; đang thực hiện {vn_int(total.in_progress)}, "
        f"giải quyết chưa xong {vn_int(total.unresolved)}, chuyển lên cấp trên {vn_int(total.escalated)}, "
        f"chưa xử lý {vn_int(total.pending)}."
    )
    doc.add_paragraph("1. Kết quả theo cấp").runs[0].font.bold = True
    _table(doc, HEADERS, [r.formatted() for r in [*data.levels.rows, total]])
    doc.add_paragraph("2. Kết quả theo lĩnh vực").runs[0].font.bold = True
    _table(doc, FIELD_HEADERS, [field_cells(f, data.field_labels) for f in data.fields])
    doc.add_paragraph("3. Kết quả theo cơ quan giải quyết").runs[0].font.bold = True
    _table(doc, AGENCY_HEADERS, [agency_cells(a) for a in data.agencies])
    doc.add_paragraph(f"Số liệu tính đến {vn_datetime(datetime.now(LOCAL_TZ))}.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def conclusion_docx(meeting: Meeting, items: Sequence[tuple[Question, int, Reply | None]],
                    labels: dict[str, str]) -> bytes:
    doc = Document()
    _heading(doc, meeting.unit.name.upper(), 12)
    _heading(doc, "THÔNG BÁO KẾT LUẬN")
    _heading(doc, meeting.title, 12)
    doc.add_paragraph(
        f"Ngày {vn_date(meeting.starts_at)}, tại {meeting.place or '…'}, {meeting.chair or 'đồng chí chủ trì'} "
        f"đã chủ trì hội nghị tiếp xúc, đối thoại với {meeting.target_group.lower() or 'Nhân dân'}"
        + (f", có {vn_int(meeting.attendance)} lượt người tham dự" if meeting.attendance else "") + ". "
        f"Hội nghị đã tiếp nhận {vn_int(sum(n for _, n, _ in items))} ý kiến, kiến nghị "
        f"(gộp thành {vn_int(len(items))} nội dung). Kết luận cụ thể như sau:"
    )
    current = None
    for number, (question, askers, answer) in enumerate(items, start=1):
        field = question.field or "khac"
        if field != current:
            current = field
            doc.add_paragraph(labels.get(field, field)).runs[0].font.bold = True
        head = doc.add_paragraph()
        head.add_run(f"{number}. ").font.bold = True
        head.add_run(question.original_text)
        if askers > 1:
            head.add_run(f" ({vn_int(askers)} người cùng hỏi)").font.italic = True
        doc.add_paragraph(f"Trả lời: {answer.text if answer else 'Đang chờ cơ quan chuyên môn trả lời.'}")
        agency = question.agency.name if question.agency else "chưa giao"
        due = vn_date(question.due_date) if question.due_date else "không ấn định"
        doc.add_paragraph(f"Cơ quan chịu trách nhiệm: {agency}. Thời hạn: {due}.")
    answered = sum(1 for _, _, a in items if a is not None)
    doc.add_paragraph(f"Đã trả lời {vn_int(answered)}/{vn_int(len(items))} nội dung "
                      f"({vn_pct(answered, len(items))}).")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

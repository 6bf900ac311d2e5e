"""The report as XLSX and DOCX, and the conclusion notice as DOCX, from the same tables as the page."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from storage.models import Meeting, Question, Reply
from storage.reports import Report, Row, Table
from vntext import reports as words
from vntext import vn_date, vn_int, vn_pct
from web import officialdoc
from web.officialdoc import Letterhead

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet takes a cell starting with one of these as a formula (or DDE call) when it is edited.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ReportData:
    report: Report
    period: str
    field_labels: dict[str, str]

    @property
    def unit_name(self) -> str:
        return self.report.unit_name

    def label(self, table: str) -> Callable[[str], str]:
        """How a row's label reads: field codes as the field's name."""
        if table == "fields":
            return lambda code: self.field_labels.get(code, code)
        return str

    def tables(self) -> list[tuple[str, str, list[words.Column], Table[Any]]]:
        return [(name, title, columns, getattr(self.report, name)) for name, title, columns in words.TABLES]


def download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def text_cell(cell: Cell, value: str) -> None:
    """A cell that shows `value` as text, never as a formula, even when it starts with = + - @."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def _sheet_rows(sheet: Any, columns: list[words.Column], rows: Sequence[Row], label: Callable[[str], str],
                first: int) -> None:
    for r, row in enumerate(rows, start=first):
        for c, (_, attribute) in enumerate(columns, start=1):
            cell = sheet.cell(row=r, column=c)
            value = getattr(row, attribute)
            if attribute == "label":
                text_cell(cell, label(str(value)))
            elif words.is_rate(attribute):
                cell.value = value
                cell.number_format = "0.00%"
            else:
                cell.value = int(value)
                cell.number_format = "#,##0"


def report_xlsx(data: ReportData) -> bytes:
    """One sheet per table: numbers and rates are numeric cells with number formats, so they add up in a
    spreadsheet; every text cell is text, whatever it starts with."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for name, title, columns, table in data.tables():
        sheet = book.create_sheet(title)
        for r, text in enumerate((words.TITLE, f"{data.unit_name} — {data.period}", words.COUNTING_RULE), 1):
            text_cell(sheet.cell(row=r, column=1), text)
        sheet["A1"].font = Font(bold=True, size=13)
        header = 5
        for c, (heading, _) in enumerate(columns, start=1):
            cell = sheet.cell(row=header, column=c)
            text_cell(cell, heading)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            sheet.column_dimensions[get_column_letter(c)].width = 36 if c == 1 else 14
        _sheet_rows(sheet, columns, [*table.rows, table.total], data.label(name), header + 1)
        for cell in sheet[header + 1 + len(table.rows)]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_docx(data: ReportData, letterhead: Letterhead, issued: date) -> bytes:
    """The report as an administrative report (báo cáo) with every table of the page."""
    doc = officialdoc.start(letterhead, "BC", issued)
    officialdoc.title(doc, "Báo cáo", f"{words.TITLE}\n{data.unit_name} — {data.period}")
    total = data.report.levels.total
    officialdoc.body(
        doc,
        f"Tổng số đã tổ chức {vn_int(total.meetings)} hội nghị tiếp xúc, đối thoại với {vn_int(total.attendances)} "
        f"lượt người tham dự; tiếp nhận {vn_int(total.questions)} ý kiến, đề xuất, kiến nghị "
        f"({vn_int(total.groups)} nội dung sau khi gộp các ý kiến trùng); đã giải quyết {vn_int(total.resolved)} "
        f"ý kiến, đạt tỷ lệ {vn_pct(total.resolved, total.questions)}; đang thực hiện {vn_int(total.in_progress)}, "
        f"giải quyết chưa xong {vn_int(total.unresolved)}, chuyển lên cấp trên {vn_int(total.escalated)}, "
        f"chưa xử lý {vn_int(total.pending)}.",
    )
    officialdoc.body(doc, words.COUNTING_RULE, italic=True)
    officialdoc.body(doc, "Chi tiết tại các biểu dưới đây.")
    officialdoc.turn(doc, landscape=True)
    for number, (name, title, columns, table) in enumerate(data.tables(), start=1):
        officialdoc.body(doc, f"{number}. Kết quả {title[0].lower()}{title[1:]}", bold=True, indent=False)
        officialdoc.table(doc, [h for h, _ in columns],
                          [words.row_texts(row, columns, data.label(name)) for row in [*table.rows, table.total]],
                          size=8 if len(columns) > 12 else 10)
    officialdoc.turn(doc, landscape=False)
    return officialdoc.finish(doc, letterhead)


def item_heading(question: Question, field_label: str) -> str:
    """What the notice says an item is about: the organisers' summary, never the citizen's own words."""
    if question.summary:
        return question.summary
    return f"Ý kiến về lĩnh vực {field_label.lower()} (mã {question.ticket})"


def conclusion_docx(meeting: Meeting, items: Sequence[tuple[Question, int, Reply | None]],
                    labels: dict[str, str], letterhead: Letterhead, issued: date) -> bytes:
    """The conclusion notice (thông báo kết luận) of a meeting: each item by field, with its answer."""
    doc = officialdoc.start(letterhead, "TB", issued)
    chair = meeting.chair or "đồng chí chủ trì"
    officialdoc.title(doc, "Thông báo", f"Kết luận của {chair} tại {meeting.title[:1].lower()}{meeting.title[1:]}")
    asked = sum(n for _, n, _ in items)
    officialdoc.body(
        doc,
        f"Ngày {vn_date(meeting.starts_at)}, tại {meeting.place or '…'}, {chair} đã chủ trì hội nghị tiếp xúc, "
        f"đối thoại với {meeting.target_group.lower() or 'Nhân dân'}"
        + (f", có {vn_int(meeting.attendance)} lượt người tham dự" if meeting.attendance else "") + ". "
        f"Hội nghị đã tiếp nhận {vn_int(asked)} ý kiến, kiến nghị (gộp thành {vn_int(len(items))} nội dung). "
        f"{chair[:1].upper()}{chair[1:]} kết luận như sau:",
    )
    current = None
    for number, (question, askers, answer) in enumerate(items, start=1):
        field = question.field or "khac"
        label = labels.get(field, field)
        if field != current:
            current = field
            officialdoc.body(doc, label, bold=True)
        more = f" ({vn_int(askers)} người cùng kiến nghị)" if askers > 1 else ""
        officialdoc.body(doc, f"{number}. {item_heading(question, label)}{more}", bold=True)
        officialdoc.body(doc, f"Trả lời: {answer.text if answer else 'Đang chờ cơ quan chuyên môn trả lời.'}")
        agency = question.agency.name if question.agency else "chưa giao"
        due = vn_date(question.due_date) if question.due_date else "không ấn định"
        officialdoc.body(doc, f"Cơ quan chịu trách nhiệm: {agency}. Thời hạn: {due}.", italic=True)
    answered = sum(1 for _, _, a in items if a is not None)
    officialdoc.body(doc, f"Đã trả lời {vn_int(answered)}/{vn_int(len(items))} nội dung "
                          f"({vn_pct(answered, len(items))}). Đề nghị các cơ quan, đơn vị có liên quan "
                          "triển khai thực hiện./.")
    agencies = sorted({q.agency.name for q, _, _ in items if q.agency is not None})
    return officialdoc.finish(doc, letterhead, agencies)

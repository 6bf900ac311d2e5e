"""The report's words: the counting rule, the tables' titles and their columns, shared by the console
page, the XLSX and DOCX files and `doithoai report`, so that they all show the same table.

A column is (header, attribute of the row); attributes ending in `_rate` are ratios (0.0-1.0 or None),
the rest whole numbers, and `label` the row's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vntext.numbers import vn_int, vn_rate

TITLE = "Kết quả giải quyết các ý kiến, đề xuất, kiến nghị của nhân dân"
COUNTING_RULE = (
    "Cách đếm: mỗi bảng đếm từng ý kiến, kiến nghị (câu hỏi) của người dân, kể cả các câu hỏi trùng đã gộp; "
    "cột «Nhóm» cho biết còn bao nhiêu nội dung sau khi gộp. Ý kiến không tiếp nhận hoặc đã rút không được "
    "tính. Ở mỗi dòng: Đã giải quyết + Đang thực hiện + Giải quyết chưa xong + Chuyển lên cấp trên + "
    "Chưa xử lý = Ý kiến, kiến nghị. Ý kiến của người dân về câu trả lời: «Được đánh giá» là số ý kiến người "
    "hỏi đã trả lời Hài lòng hoặc Chưa hài lòng, «Tỷ lệ hài lòng» = Hài lòng / Được đánh giá; «Mở lại» là số ý "
    "kiến bị mở lại ít nhất một lần, «Tỷ lệ mở lại» = Mở lại / Ý kiến, kiến nghị."
)

Column = tuple[str, str]

OUTCOME_COLUMNS: list[Column] = [
    ("Ý kiến, kiến nghị", "questions"), ("Nhóm", "groups"), ("Đã giải quyết", "resolved"),
    ("Đang thực hiện", "in_progress"), ("Giải quyết chưa xong", "unresolved"),
    ("Chuyển lên cấp trên", "escalated"), ("Chưa xử lý", "pending"), ("Tỷ lệ giải quyết", "resolved_rate"),
]
FEEDBACK_COLUMNS: list[Column] = [
    ("Được đánh giá", "rated"), ("Hài lòng", "satisfied"), ("Tỷ lệ hài lòng", "satisfied_rate"),
    ("Mở lại", "reopened"), ("Tỷ lệ mở lại", "reopened_rate"),
]
LEVEL_COLUMNS: list[Column] = [("Cấp", "label"), ("Hội nghị", "meetings"), ("Lượt người dự", "attendances"),
                               *OUTCOME_COLUMNS, *FEEDBACK_COLUMNS]
FIELD_COLUMNS: list[Column] = [("Lĩnh vực", "label"), *OUTCOME_COLUMNS, *FEEDBACK_COLUMNS]
AGENCY_COLUMNS: list[Column] = [
    ("Cơ quan", "label"), ("Được giao", "questions"), *OUTCOME_COLUMNS[1:],
    ("Đến hạn", "due"), ("Đúng hạn", "on_time"), ("Quá hạn chưa xong", "overdue_open"),
    ("Tỷ lệ đúng hạn", "on_time_rate"), *FEEDBACK_COLUMNS,
]
MONTH_COLUMNS: list[Column] = [("Tháng", "label"), *OUTCOME_COLUMNS]

# (attribute of the report, title, columns), in the order every document shows them.
TABLES: list[tuple[str, str, list[Column]]] = [
    ("levels", "Theo cấp", LEVEL_COLUMNS),
    ("fields", "Theo lĩnh vực", FIELD_COLUMNS),
    ("agencies", "Theo cơ quan giải quyết", AGENCY_COLUMNS),
    ("months", "Theo thời gian", MONTH_COLUMNS),
]


def is_rate(attribute: str) -> bool:
    return attribute.endswith("_rate")


def cell_text(row: Any, attribute: str, label: Callable[[str], str] = str) -> str:
    """One cell as text in Vietnamese style: 1.234, 99,94%, or the row's name through `label`."""
    value = getattr(row, attribute)
    if attribute == "label":
        return label(str(value))
    if is_rate(attribute):
        return vn_rate(value)
    return vn_int(int(value))


def row_texts(row: Any, columns: list[Column], label: Callable[[str], str] = str) -> list[str]:
    return [cell_text(row, attribute, label) for _, attribute in columns]

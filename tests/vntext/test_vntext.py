"""Vietnamese number and date style, and the notices sent to citizens."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

from vntext import notices, ratio, vn_date, vn_datetime, vn_int, vn_pct, vn_rate


def test_vietnamese_number_style() -> None:
    assert vn_int(176386) == "176.386"
    assert vn_int(0) == "0"
    assert vn_pct(176277, 176386) == "99,94%"
    assert vn_pct(122050, 122159) == "99,91%"
    assert vn_pct(0, 0) == "–"
    assert ratio(1, 4) == 0.25 and ratio(1, 0) is None
    assert vn_rate(0.25) == "25,00%" and vn_rate(None) == "–"


def test_dates_are_shown_in_vietnam() -> None:
    # 20:00 UTC is 03:00 the next morning in Vietnam; naive values are UTC (as SQLite returns them).
    assert vn_date(datetime(2026, 11, 23, 20, 0, tzinfo=UTC)) == "24/11/2026"
    assert vn_date(datetime(2026, 11, 23, 20, 0)) == "24/11/2026"
    assert vn_datetime(datetime(2026, 11, 23, 20, 5, tzinfo=UTC)) == "03:05 24/11/2026"
    assert vn_date(date(2019, 1, 23)) == "23/01/2019" and vn_date(None) == ""


def test_notices() -> None:
    assert notices.answered("HG-1", "Đã sửa.", "Đã giải quyết") == (
        "Trả lời câu hỏi mã HG-1:\nĐã sửa.\n\nTrạng thái: Đã giải quyết.\nCảm ơn anh/chị đã gửi ý kiến.")
    assert notices.status_changed("HG-1", "Đang thực hiện", "tuần sau") == (
        "Câu hỏi mã HG-1 của anh/chị đã chuyển sang trạng thái: Đang thực hiện.\nGhi chú: tuần sau")
    assert "Xã Hòa An" in notices.escalated("HG-1", "Xã Hòa An")
    assert notices.rejected("HG-1", "trùng").endswith("Lý do: trùng")


def test_vntext_is_a_leaf() -> None:
    project = {"doithoai", "bot", "nlp", "storage", "web"}
    for path in (Path(__file__).parents[2] / "vntext").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not {n.split(".")[0] for n in names} & project, path

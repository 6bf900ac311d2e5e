from __future__ import annotations

from sqlalchemy.orm import Session

from harness.factories import make_world
from storage import lifecycle
from storage.actions.imports import ImportRow, import_rows
from storage.models import Question


def test_bad_rows_reported_good_rows_kept(session: Session) -> None:
    make_world(session)
    rows = [
        ImportRow(2, "MA", "Đường ấp 3 hư", field="giao_thong", status="resolved", answer="Đã sửa."),
        ImportRow(3, "NOPE", "không có hội nghị"),
        ImportRow(4, "MA", "   "),
        ImportRow(5, "MA", "trạng thái lạ", status="xong"),
        ImportRow(6, "MB", "Mất điện ấp 5", status="in_progress"),
        ImportRow(7, "MA", "lĩnh vực lạ", field="khong_co"),
    ]
    result = import_rows(session, rows, known_fields={"giao_thong", "dien"})
    assert result.imported == 2
    assert [n for n, _ in result.errors] == [3, 4, 5, 7]
    assert "NOPE" in result.errors[0][1]
    stored = session.query(Question).order_by(Question.id).all()
    assert [(q.original_text, q.status) for q in stored] == [
        ("Đường ấp 3 hư", lifecycle.RESOLVED), ("Mất điện ấp 5", lifecycle.IN_PROGRESS)]

"""How a unit's official documents are headed and signed (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.errors import InvalidInput
from storage.models import Unit
from storage.reach import Reach, require_unit

# Column -> (its name in messages, longest length).
LETTERHEAD_FIELDS: dict[str, tuple[str, int]] = {
    "doc_parent_body": ("Cơ quan chủ quản", 200),
    "doc_issuing_body": ("Cơ quan ban hành", 200),
    "doc_symbol": ("Chữ viết tắt tên cơ quan", 40),
    "doc_place": ("Địa danh", 100),
    "doc_signer_authority": ("Thẩm quyền ký", 200),
    "doc_signer_title": ("Chức vụ người ký", 200),
    "doc_signer_name": ("Họ tên người ký", 200),
    "doc_recipients": ("Nơi nhận", 2000),
}


def set_letterhead(session: Session, reach: Reach, unit_id: int, values: dict[str, str]) -> Unit:
    """Change the given fields of a unit's letterhead; an empty value goes back to the derived default."""
    unit = require_unit(session, unit_id, reach)
    for key, value in values.items():
        if key not in LETTERHEAD_FIELDS:
            raise InvalidInput(f"Không có mục «{key}» trong thể thức văn bản.", code="bad_letterhead_field")
        label, longest = LETTERHEAD_FIELDS[key]
        cleaned = value.strip() if key == "doc_recipients" else " ".join(value.split())
        if len(cleaned) > longest:
            raise InvalidInput(f"«{label}» dài quá {longest} ký tự.", code="letterhead_too_long")
        setattr(unit, key, cleaned)
    session.flush()
    return unit

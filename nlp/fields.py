"""The field taxonomy (lĩnh vực): codes, Vietnamese labels and one-line descriptions."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import FieldsError

__all__ = ["FALLBACK_CODE", "Field", "default_fields_path", "load_fields", "taxonomy_hash"]

FALLBACK_CODE = "khac"
"""The field for questions that fit nowhere or cannot be judged; every taxonomy must have it."""

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Field:
    code: str
    label: str
    description: str
    keywords: tuple[str, ...] = ()
    """Words and phrases that point to the field in citizens' messages (the classifier's prior)."""


def default_fields_path() -> Path:
    return Path(__file__).resolve().parent / "fields.toml"


def load_fields(path: Path | None = None) -> list[Field]:
    """Read a taxonomy file (`[[field]]` tables with code, label, description)."""
    path = default_fields_path() if path is None else Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FieldsError(f"Không tìm thấy tệp lĩnh vực {path}.") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FieldsError(f"Tệp lĩnh vực {path} không đọc được: {exc}.") from exc
    raw = data.get("field")
    if not isinstance(raw, list) or not raw:
        raise FieldsError(f"Tệp {path} không có mục [[field]] nào.")
    fields: list[Field] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise FieldsError(f"Mục lĩnh vực thứ {i} không hợp lệ.")
        code = str(entry.get("code", "")).strip()
        label = str(entry.get("label", "")).strip()
        description = str(entry.get("description", "")).strip()
        if not _CODE_RE.match(code):
            raise FieldsError(f"Mã lĩnh vực thứ {i} «{code}» không hợp lệ (chỉ dùng a-z, 0-9, _).")
        if code in seen:
            raise FieldsError(f"Mã lĩnh vực «{code}» bị trùng.")
        if not label:
            raise FieldsError(f"Lĩnh vực «{code}» chưa có tên.")
        keywords = entry.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise FieldsError(f"Từ khóa của lĩnh vực «{code}» phải là một danh sách chuỗi.")
        seen.add(code)
        fields.append(Field(code, label, description, tuple(k.strip() for k in keywords if k.strip())))
    if FALLBACK_CODE not in seen:
        raise FieldsError(f"Danh mục lĩnh vực phải có mục «{FALLBACK_CODE}» (Khác).")
    return fields


def taxonomy_hash(fields: Sequence[Field]) -> str:
    """Hash of the field codes only: relabelling or rewording a field needs no retraining."""
    joined = "\n".join(sorted(f.code for f in fields))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]

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


def default_fields_path() -> Path:
    return Path(__file__).resolve().parent / "fields.toml"


def load_fields(path: Path | None = None) -> list[Field]:
    """Read a taxonomy file (`[[field]]` tables with code, label, description)."""
    path = default_fields_path() if path is None else Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FieldsError(f"Không tìm thấy tệp lĩnh vực {path}.", f"fields file not found: {path}") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FieldsError(f"Tệp lĩnh vực {path} không đọc được: {exc}.", f"cannot read fields file {path}") from exc
    raw = data.get("field")
    if not isinstance(raw, list) or not raw:
        raise FieldsError(f"Tệp {path} không có mục [[field]] nào.", f"no [[field]] entries in {path}")
    fields: list[Field] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise FieldsError(f"Mục lĩnh vực thứ {i} không hợp lệ.", f"field #{i} is not a table")
        code = str(entry.get("code", "")).strip()
        label = str(entry.get("label", "")).strip()
        description = str(entry.get("description", "")).strip()
        if not _CODE_RE.match(code):
            raise FieldsError(
                f"Mã lĩnh vực thứ {i} «{code}» không hợp lệ (chỉ dùng a-z, 0-9, _).",
                f"field #{i}: invalid code {code!r}",
            )
        if code in seen:
            raise FieldsError(f"Mã lĩnh vực «{code}» bị trùng.", f"duplicate field code {code!r}")
        if not label:
            raise FieldsError(f"Lĩnh vực «{code}» chưa có tên.", f"field {code!r} has no label")
        seen.add(code)
        fields.append(Field(code=code, label=label, description=description))
    if FALLBACK_CODE not in seen:
        raise FieldsError(
            f"Danh mục lĩnh vực phải có mục «{FALLBACK_CODE}» (Khác).",
            f"the taxonomy must contain the {FALLBACK_CODE!r} field",
        )
    return fields


def taxonomy_hash(fields: Sequence[Field]) -> str:
    """Hash of the field codes only: relabelling or rewording a field needs no retraining."""
    joined = "\n".join(sorted(f.code for f in fields))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]

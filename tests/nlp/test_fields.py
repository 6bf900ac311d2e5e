from __future__ import annotations

from pathlib import Path

import pytest

from nlp.errors import FieldsError
from nlp.fields import Field, load_fields, taxonomy_hash

DEFAULT_CODES = [
    "dat_dai", "xay_dung_do_thi", "giao_thong", "dien", "nuoc_sach", "moi_truong", "nong_nghiep",
    "y_te", "bao_hiem", "giao_duc", "chinh_sach_xa_hoi", "lao_dong_viec_lam", "an_ninh_trat_tu",
    "hanh_chinh_cong", "can_bo_chinh_quyen", "kinh_te_tai_chinh", "van_hoa_thong_tin", "khac",
]  # fmt: skip


def test_default_taxonomy() -> None:
    fields = load_fields()
    assert [f.code for f in fields] == DEFAULT_CODES
    assert all(f.label and f.description for f in fields)
    assert fields[0] == Field("dat_dai", "Đất đai", fields[0].description, fields[0].keywords)
    assert "sổ đỏ" in fields[0].keywords and all(f.keywords for f in fields)


def test_hash_depends_on_codes_only(fields: list[Field]) -> None:
    relabelled = [Field(f.code, f.label + "!", "") for f in fields]
    assert taxonomy_hash(relabelled) == taxonomy_hash(fields)
    assert taxonomy_hash(fields[:-2] + fields[-1:]) != taxonomy_hash(fields)


@pytest.mark.parametrize(
    "content",
    [
        "",
        "[[field]]\ncode = 'a'\nlabel = 'A'\n",  # no khac
        "[[field]]\ncode = 'Bad Code'\nlabel = 'A'\n",
        "[[field]]\ncode = 'khac'\nlabel = 'Khác'\n[[field]]\ncode = 'khac'\nlabel = 'Khác'\n",
        "not toml [",
    ],
)
def test_invalid_taxonomy(tmp_path: Path, content: str) -> None:
    path = tmp_path / "fields.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FieldsError) as info:
        load_fields(path)
    assert info.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FieldsError):
        load_fields(tmp_path / "none.toml")

from __future__ import annotations

import pytest

from nlp.moderation import REASONS, check, flag


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("😀😀😀", "no_text"),
        ("???", "no_text"),
        ("https://abc.xyz/khuyen-mai", "only_links"),
        ("Vay tiền nhanh không cần thế chấp, liên hệ 0912345678", "spam"),
        ("đm bọn cán bộ xã", "abuse"),
        ("dit me may", "abuse"),
        ("cán bộ xã mất dạy", "abuse"),
        ("spam spam spam spam spam spam spam", "repeated"),
        ("a", "too_short"),
    ],
)
def test_flagged(text: str, code: str) -> None:
    found = flag(text)
    assert found is not None and found.code == code
    assert check(text) == REASONS[code]


@pytest.mark.parametrize(
    "text",
    [
        "Đường vào ấp 3 bị hư nặng, khi nào sửa?",
        "duong vao ap 3 bi hu nang",
        "Người dân phải đeo khẩu trang khi đi khám không?",  # "đeo" is not "đéo"
        "Tình trạng cá độ bóng đá ở ấp 2 rất phức tạp",  # a complaint about gambling, not spam
        "Trang https://dichvucong.gov.vn không vào được",
        "Chó thả rông cắn người ở xóm 4",
    ],
)
def test_not_flagged(text: str) -> None:
    assert check(text) is None


@pytest.mark.parametrize(
    "text", ["<script>alert(1)</script>" * 1000, "x" * 20_000, "Привет 你好", "\u200b\u200b", "\x00" * 10]
)
def test_strange_input_never_raises(text: str) -> None:
    result = check(text)
    assert result is None or isinstance(result, str)


def test_a_failing_check_holds_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import nlp.moderation as moderation

    def broken() -> None:
        raise RuntimeError("word list unreadable")

    monkeypatch.setattr(moderation, "_patterns", broken)
    found = flag("Đường vào ấp 3 bị hư nặng, khi nào sửa?")
    assert found is not None and found.code == "unchecked"
    assert check("Đường vào ấp 3 bị hư nặng") == REASONS["unchecked"]

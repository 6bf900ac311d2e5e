from __future__ import annotations

import pytest

from nlp.text import has_diacritics, normalize, strip_diacritics


def test_nfc_and_tone_marks() -> None:
    decomposed = "Đu\u031bo\u031b\u0300ng"  # "Đường" written with combining marks
    assert normalize(decomposed) == "Đường"
    assert normalize("hoá đơn tiền điện") == "hóa đơn tiền điện"


def test_invisible_and_control_characters_removed() -> None:
    assert normalize("mất\u200b điện\x00\x07 ở\ufeff ấp 3") == "mất điện ở ấp 3"


def test_shorthand_expanded_as_whole_words() -> None:
    out = normalize("Cho e hỏi sđ ko dc cấp, UBND xã hok trả lời")
    assert out == "Cho em hỏi sổ đỏ không được cấp, ủy ban nhân dân xã không trả lời"
    assert normalize("giá 50k một bao") == "giá 50k một bao"
    assert "bảo hiểm y tế" in normalize("thẻ BHYT hết hạn")


def test_markup_and_whitespace() -> None:
    assert normalize("<p>Xin chào&nbsp;<b>cán bộ</b></p>\n\n  ạ") == "Xin chào cán bộ ạ"
    assert normalize("hư nặngggggg!!!!") == "hư nặng!"


@pytest.mark.parametrize("bad", ["", "   ", "😀😀", "\x00\x01", "a" * 50_000, "Привет 你好 xin chào"])
def test_bad_input_never_raises(bad: str) -> None:
    out = normalize(bad)
    assert isinstance(out, str)
    assert len(out) <= 10_000


def test_strip_diacritics() -> None:
    assert strip_diacritics("Đường vào ấp 3 bị hư nặng") == "duong vao ap 3 bi hu nang"
    assert strip_diacritics("ĐẮK LẮK") == "dak lak"
    assert strip_diacritics("Đu\u031bo\u031b\u0300ng") == "duong"


def test_has_diacritics() -> None:
    assert has_diacritics("đi")
    assert has_diacritics("ấp")
    assert not has_diacritics("duong vao ap 3 bi hu")
    assert not has_diacritics("")


def test_tone_mark_table_is_a_data_file() -> None:
    from nlp import text

    table = (text.Path(text.__file__).parent / "data" / "tone_marks.tsv").read_text(encoding="utf-8")
    assert "hoà\thòa" in table and len(table.splitlines()) > 1000
    assert normalize("hoà bình, thuý") == "hòa bình, thúy"

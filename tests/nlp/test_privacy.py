from __future__ import annotations

import pytest

from nlp.privacy import mask_name, mask_phone, mask_text, valid_vn_phone


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("(+84) 912-345-678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("01662345678", "0362345678"),  # old 11-digit mobile
        ("0292 3812 345", "02923812345"),  # landline
        ("123", None),
        ("0112345678", None),
        ("+1 912345678", None),
        ("0912345678x", None),
        ("", None),
    ],
)
def test_valid_vn_phone(raw: str, canonical: str | None) -> None:
    assert valid_vn_phone(raw) == canonical


def test_mask_phone_and_name() -> None:
    assert mask_phone("+84 912 345 678") == "091****678"
    assert "345" not in mask_phone("012345")
    assert mask_name("Nguyễn Văn An") == "Nguyễn V. A."
    assert mask_name("An") == "A."
    assert mask_name("  ") == ""


def test_mask_text() -> None:
    text = (
        "Tôi tên An, sđt 0912 345 678, email an.nguyen@gmail.com, CCCD 079123456789, "
        "STK 0071 0003 12345, CMND 361234567. Nhận 5.000.000 đồng ngày 12/3/2024 ở ấp 3."
    )
    out = mask_text(text)
    for secret in ("345 678", "an.nguyen", "079123456789", "0003", "361234"):
        assert secret not in out
    assert "091****678" in out
    assert "a***@gmail.com" in out
    assert "5.000.000 đồng ngày 12/3/2024 ở ấp 3" in out
    assert mask_text("") == ""

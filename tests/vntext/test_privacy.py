"""What `personal_numbers` finds is exactly what `mask_text` masks, as written in the text."""

from __future__ import annotations

from vntext.privacy import mask_text, personal_numbers


def test_personal_numbers_are_what_mask_text_masks() -> None:
    text = ("Tôi tên An, sđt 0912 345 678, email an.nguyen@gmail.com, CCCD 079123456789, "
            "STK 0071 0003 12345, CMND 361234567. Nhận 5.000.000 đồng ngày 12/3/2024 ở ấp 3.")
    found = personal_numbers(text)
    assert found == ["an.nguyen@gmail.com", "0912 345 678", "079123456789", "0071 0003 12345", "361234567"]
    masked = mask_text(text)
    assert not [f for f in found if f in masked]
    assert personal_numbers("Đường ấp 3 hư, 5.000.000 đồng, ngày 12/3/2024") == []
    assert personal_numbers("") == []

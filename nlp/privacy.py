"""Masking of personal data in text; one implementation, in the leaf package `vntext` so that storage's
erasure and staff notices use it too."""

from __future__ import annotations

from vntext.privacy import mask_email, mask_name, mask_phone, mask_text, personal_numbers, valid_vn_phone

__all__ = ["mask_email", "mask_name", "mask_phone", "mask_text", "personal_numbers", "valid_vn_phone"]

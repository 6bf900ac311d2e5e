"""Personal data in citizens' text: phone numbers, citizen ID (CCCD/CMND), e-mail, bank accounts.

Masking is for what others read (agency officers, exports, the public page, Open311, e-mails to
agencies); the stored original changes only when its citizen asks for erasure
(`storage.actions.erasure`), which masks it with these same functions.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["mask_email", "mask_name", "mask_phone", "mask_text", "personal_numbers", "valid_vn_phone"]

_MASK = "*"

# Mobile prefixes renumbered from 11 to 10 digits in 2018 (old -> new).
_OLD_MOBILE_PREFIXES = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039", "0186": "056", "0188": "058",
    "0199": "059",
}  # fmt: skip
_MOBILE_RE = re.compile(r"0(?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}")
_LANDLINE_RE = re.compile(r"02\d{9}")

_SEP = r"[ .\-]?"
# Phone-like runs: +84 / 84 / 0 then 9-10 digits, optional separators and "(0)".
_PHONE_IN_TEXT_RE = re.compile(
    r"(?<![\w+])(?:\(?\+?84\)?" + _SEP + r"(?:\(0\))?" + _SEP + r"|0)\d(?:" + _SEP + r"\d){8,9}(?!\w)"
)
_EMAIL_RE = re.compile(r"(?<![\w.+-])([\w.+-]{1,64})@([\w-]{1,63}(?:\.[\w-]{1,63})+)", re.UNICODE)
_ID_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A number after words that announce an ID card or a bank account: "CMND 123456789",
# "stk: 0123 4567 8910", "số tài khoản 1903..." (matched on the diacritic-free text).
_KEYWORD_NUMBER_RE = re.compile(
    r"\b(?:cmnd|cccd|can cuoc|chung minh|so tk|stk|tai khoan|tk|account)"
    r"[^\d\n]{0,25}?(\d(?:[ .\-]?\d){5,18})(?!\d)"
)
_LONG_DIGITS_RE = re.compile(r"(?<![\d.,])\d{9,19}(?![\d.,])")


def valid_vn_phone(s: str) -> str | None:
    """Canonical 0xxxxxxxxx for a Vietnamese mobile or landline number, else None.

    Accepts +84 / 84 / 0 prefixes, spaces, dots, dashes, brackets and the old 11-digit mobiles.
    """
    if not isinstance(s, str) or len(s) > 40:
        return None
    stripped = s.strip()
    if not stripped or re.search(r"[^\d\s.\-+()]", stripped):
        return None
    digits = re.sub(r"\D", "", stripped)
    if stripped.lstrip("(").startswith("+") and not digits.startswith("84"):
        return None
    if digits.startswith("840") and len(digits) in (12, 13):  # +84 (0) 912...
        digits = digits[2:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if len(digits) == 11 and digits[:4] in _OLD_MOBILE_PREFIXES:
        digits = _OLD_MOBILE_PREFIXES[digits[:4]] + digits[4:]
    if _MOBILE_RE.fullmatch(digits) or _LANDLINE_RE.fullmatch(digits):
        return digits
    return None


def _mask_digits(s: str, keep_start: int, keep_end: int) -> str:
    """Replace digits by `*`, keeping the first `keep_start` and last `keep_end` digits."""
    total = sum(ch.isdigit() for ch in s)
    out: list[str] = []
    seen = 0
    for ch in s:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= keep_start or seen > total - keep_end else _MASK)
        else:
            out.append(ch)
    return "".join(out)


def mask_phone(s: str) -> str:
    """ "0912345678" -> "091****678"; anything else: every digit but the last two masked."""
    if not isinstance(s, str):
        return ""
    canonical = valid_vn_phone(s)
    if canonical is not None:
        return canonical[:3] + _MASK * (len(canonical) - 6) + canonical[-3:]
    return _mask_digits(s, 0, 2)


def mask_name(s: str) -> str:
    """ "Nguyễn Văn An" -> "Nguyễn V. A."; a single word keeps only its initial."""
    if not isinstance(s, str):
        return ""
    words = s.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "."
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])


def mask_email(s: str) -> str:
    """ "an.nguyen@gmail.com" -> "a***@gmail.com"."""
    local, _, domain = s.partition("@")
    return (local[:1] or _MASK) + _MASK * 3 + "@" + domain


def mask_text(text: str) -> str:
    """Free text with e-mails, phone numbers, citizen IDs and bank account numbers masked."""
    if not isinstance(text, str):
        return ""
    out = _EMAIL_RE.sub(lambda m: mask_email(m.group(0)), text)
    out = _PHONE_IN_TEXT_RE.sub(_phone_or_number, out)
    out = _ID_RE.sub(lambda m: _mask_digits(m.group(0), 0, 3), out)
    out = _mask_after_keywords(out)
    return _LONG_DIGITS_RE.sub(lambda m: _mask_digits(m.group(0), 0, 3), out)


def _phone_or_number(match: re.Match[str]) -> str:
    found = match.group(0)
    if valid_vn_phone(found) is not None:
        return mask_phone(found)
    return found


def _plain_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii() and base.isalpha():
            table[cp] = base.lower()
    table[ord("đ")] = table[ord("Đ")] = "d"
    return table


_PLAIN = _plain_table()


def _keyword_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the numbers after ID-card and account keywords, found on the diacritic-free text."""
    plain = text.translate(_PLAIN).lower()
    if len(plain) != len(text):  # lower() changed the length: cannot map spans back; rare
        return []
    return [m.span(1) for m in _KEYWORD_NUMBER_RE.finditer(plain)]


def personal_numbers(text: str) -> list[str]:
    """The e-mails, phone, ID and account numbers `mask_text` would mask, as they are written in `text`."""
    if not isinstance(text, str):
        return []
    found = [m.group(0) for m in _EMAIL_RE.finditer(text)]
    found += [m.group(0) for m in _PHONE_IN_TEXT_RE.finditer(text) if valid_vn_phone(m.group(0)) is not None]
    found += [m.group(0) for m in _ID_RE.finditer(text)]
    found += [text[start:end] for start, end in _keyword_spans(text)]
    found += [m.group(0) for m in _LONG_DIGITS_RE.finditer(text)]
    return list(dict.fromkeys(found))


def _mask_after_keywords(text: str) -> str:
    spans = _keyword_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(_mask_digits(text[start:end], 0, 3))
        last = end
    parts.append(text[last:])
    return "".join(parts)

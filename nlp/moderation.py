"""Moderation: empty, emoji-only, link-only, spam and abusive messages.

A flagged question is shown to an organiser with the reason; it is never dropped silently.
Word lists live in `nlp/data/profanity.txt` and `nlp/data/spam.txt`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.text import has_diacritics, normalize, strip_diacritics

__all__ = ["REASONS", "Flag", "check", "flag"]

_log = logging.getLogger("doithoai.nlp.moderation")

REASONS = {
    "empty": "Nội dung trống.",
    "no_text": "Nội dung chỉ có biểu tượng hoặc ký hiệu, chưa có câu hỏi.",
    "too_short": "Nội dung quá ngắn, chưa rõ câu hỏi.",
    "only_links": "Nội dung chỉ có đường dẫn, chưa có câu hỏi.",
    "spam": "Nội dung có dấu hiệu quảng cáo hoặc tin rác.",
    "repeated": "Nội dung lặp đi lặp lại, chưa rõ câu hỏi.",
    "abuse": "Nội dung có từ ngữ thô tục hoặc xúc phạm.",
    "unchecked": "Chưa kiểm tra tự động được nội dung; cần cán bộ xem trước.",
}

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    # Bounded repetitions keep this linear on hostile input such as "a.a.a.a...".
    r"|\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,4}\.(?:com|vn|net|org|info|xyz|top|link|me|io|ly|cc|club|online|site)\b"
    r"(?:/\S*)?",
    re.IGNORECASE,
)
_PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[ .\-]?\d){9,10}(?!\d)")
_LETTER_RE = re.compile(r"[^\W\d_]")
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str


def _read_list(name: str) -> list[str]:
    path = Path(__file__).resolve().parent / "data" / name
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = " ".join(line.strip().lower().split())
        if entry and not entry.startswith("#"):
            entries.append(normalize(entry).lower())
    return entries


def _phrase_re(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, re.Pattern[str] | None]:
    profanity = _read_list("profanity.txt")
    with_marks = [p for p in profanity if has_diacritics(p)]
    plain = [p for p in profanity if not has_diacritics(p)]
    spam = [strip_diacritics(p) for p in _read_list("spam.txt")]
    return _phrase_re(with_marks), _phrase_re(plain), _phrase_re(spam)


def flag(text: str) -> Flag | None:
    """The first reason to hold the message for moderation, or None when it looks fine. A message
    the check fails on is held too ("unchecked"): a failure never counts as clean."""
    try:
        return _flag(text)
    except Exception:  # noqa: BLE001 - moderation must never break intake; logged, and the text is held
        _log.warning("moderation failed; the text is held for an organiser", exc_info=True)
        return _make("unchecked")


def check(text: str) -> str | None:
    """A Vietnamese reason when the text is empty, emoji-only, link-only, spam or abusive."""
    found = flag(text)
    return None if found is None else found.reason


def _make(code: str) -> Flag:
    return Flag(code=code, reason=REASONS[code])


def _flag(text: str) -> Flag | None:
    if not isinstance(text, str) or not text.strip():
        return _make("empty")
    norm = normalize(text)
    if not norm:
        return _make("empty")
    links = _URL_RE.findall(norm)
    without_links = _URL_RE.sub(" ", norm)
    if not _LETTER_RE.search(norm) and not any(ch.isdigit() for ch in norm):
        return _make("no_text")
    if links and not _LETTER_RE.search(without_links):
        return _make("only_links")
    lower = norm.lower()
    plain = strip_diacritics(norm)
    marked_re, plain_re, spam_re = _patterns()
    if (marked_re is not None and marked_re.search(lower)) or (plain_re is not None and plain_re.search(plain)):
        return _make("abuse")
    if len(links) >= 3 or (spam_re is not None and spam_re.search(plain) and (links or _PHONE_RE.search(norm))):
        return _make("spam")
    words = _WORD_RE.findall(strip_diacritics(without_links))
    if not any(sum(1 for ch in w if ch.isalpha()) >= 2 for w in words):
        return _make("too_short")
    if len(words) >= 6 and len(set(words)) <= max(1, len(words) // 5):
        return _make("repeated")
    return None

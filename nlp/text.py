"""Text forms of a Vietnamese citizen question: normalised, diacritic-free, word tokens.

`normalize` is what the classifier and the duplicate finder see; the stored original is never
changed. `strip_diacritics` gives the form many citizens type ("duong vao ap 3 bi hu").
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

__all__ = [
    "MAX_CHARS",
    "has_diacritics",
    "load_shorthand",
    "normalize",
    "strip_diacritics",
    "tokens",
]

_log = logging.getLogger("doithoai.nlp.text")

MAX_CHARS = 10_000
"""Longer input is cut to this many characters before normalising."""

_TAG_RE = re.compile(r"<[^<>]{0,500}>")
# Control characters, zero-width and bidi marks, BOM, variation selectors, lone surrogates.
_INVISIBLE_RE = re.compile(
    "[\ud800-\udfff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb]"
)
_REPEAT_LETTER_RE = re.compile(r"([^\W\d_])\1{2,}")
_REPEAT_PUNCT_RE = re.compile(r"([!?.,;:~\-])\1+")
_WORD_RE = re.compile(r"\w+")
_SPACE_RE = re.compile(r"\s+")
_COMBINING_RE = re.compile("[\u0300-\u036f]")


def _data_path(name: str) -> Path:
    return Path(__file__).resolve().parent / "data" / name


def _load_tone_map() -> tuple[dict[str, str], dict[str, str]]:
    """The tone-mark placement table of `nlp/data/tone_marks.tsv`: (single characters, words)."""
    chars: dict[str, str] = {}
    words: dict[str, str] = {}
    for raw in _data_path("tone_marks.tsv").read_text(encoding="utf-8").splitlines():
        if not raw or raw.startswith("#") or "\t" not in raw:
            continue
        written, _, standard = raw.partition("\t")
        (chars if len(written) == 1 else words)[written] = standard
    return chars, words


_CHAR_MAP, _TOKEN_MAP = _load_tone_map()
_CHAR_TABLE = str.maketrans(_CHAR_MAP)


@lru_cache(maxsize=1)
def load_shorthand() -> dict[str, str]:
    """Chat shorthand from `nlp/data/shorthand.tsv` (lower-case key -> expansion)."""
    table: dict[str, str] = {}
    text = _data_path("shorthand.tsv").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "\t" not in raw:
            continue
        short, _, expansion = raw.partition("\t")
        short = unicodedata.normalize("NFC", short.strip().lower())
        expansion = unicodedata.normalize("NFC", expansion.strip())
        if short and expansion:
            table[short] = expansion
    return table


def _fix_word(match: re.Match[str]) -> str:
    word = match.group(0)
    expansion = _SHORTHAND.get(word.lower())
    if expansion is not None:
        return expansion
    if len(word) <= 6:
        return _TOKEN_MAP.get(word, word)
    return word


_SHORTHAND = load_shorthand()


def normalize(text: str) -> str:
    """Normalised form of a question: NFC, no invisible characters or markup, tone marks in the
    new placement, chat shorthand expanded, whitespace collapsed. Never raises."""
    try:
        return _normalize(text)
    except Exception:  # noqa: BLE001 - bad input must not crash intake; the operator sees the log line
        _log.warning("normalisation failed; the text is treated as empty", exc_info=True)
        return ""


def _first_char(match: re.Match[str]) -> str:
    return match.group(1)


def _normalize(text: str) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    # Removing a zero-width character may leave a base letter and a combining mark adjacent.
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_CHAR_TABLE)
    # A search first: most texts have no repeats, and `sub` with a template costs more than a search.
    if _REPEAT_LETTER_RE.search(text):
        text = _REPEAT_LETTER_RE.sub(_first_char, text)
    if _REPEAT_PUNCT_RE.search(text):
        text = _REPEAT_PUNCT_RE.sub(_first_char, text)
    text = _WORD_RE.sub(_fix_word, text)
    return _SPACE_RE.sub(" ", text).strip()


def _build_strip_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            table[cp] = base.lower()
    table[ord("đ")] = "d"
    table[ord("Đ")] = "d"
    return table


_STRIP_TABLE = _build_strip_table()
_DIACRITIC_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_STRIP_TABLE)) + "\u0300-\u036f]")


def strip_diacritics(text: str) -> str:
    """Lower-case text without Vietnamese diacritics: "Đường vào ấp" -> "duong vao ap"."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    out = text.lower().translate(_STRIP_TABLE)
    if _COMBINING_RE.search(out):
        out = _COMBINING_RE.sub("", unicodedata.normalize("NFD", out)).translate(_STRIP_TABLE)
    return out


def has_diacritics(text: str) -> bool:
    """True when the text carries at least one Vietnamese diacritic (đ included)."""
    if not isinstance(text, str):
        return False
    return _DIACRITIC_RE.search(text) is not None


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits) of an already normalised text."""
    return _WORD_RE.findall(text.lower())

"""Keyword-rule baseline: fields guessed from the words of their own label and description.

Only for evaluation, to show what the trained model adds over simple rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.fields import FALLBACK_CODE, Field
from nlp.normalize import normalize, strip_diacritics, tokens

__all__ = ["KeywordClassifier"]

_SPLIT_RE = re.compile(r"[,.;:()/]| và | hoặc ")
_GENERIC = frozenset(
    [
        "cac", "cho", "cua", "co", "khong", "va", "hoac", "tren", "duoc", "nhung", "viec", "nguoi", "cap", "ho",
        "gia", "dinh", "chat", "luong", "xay", "dung", "ho", "tro", "ho", "tro", "khac",
    ]
)


class KeywordClassifier:
    """Scores a field by the description phrases (2 points a word) and single words (1 point)
    found in the diacritic-free text; no match at all gives `khac`."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.phrases: dict[str, list[str]] = {}
        self.words: dict[str, set[str]] = {}
        owners: dict[str, set[str]] = {}
        for f in fields:
            if f.code == FALLBACK_CODE:
                continue
            phrases = []
            for part in _SPLIT_RE.split(f"{f.label}, {f.description}"):
                toks = tokens(strip_diacritics(normalize(part)))
                if toks:
                    phrases.append(" ".join(toks))
            self.phrases[f.code] = [p for p in phrases if " " in p]
            words = {w for p in phrases for w in p.split() if len(w) > 1 and w not in _GENERIC}
            self.words[f.code] = words
            for w in words:
                owners.setdefault(w, set()).add(f.code)
        # A word shared by several fields decides nothing.
        for code, words in self.words.items():
            self.words[code] = {w for w in words if len(owners[w]) == 1}

    def predict(self, text: str) -> str:
        toks = tokens(strip_diacritics(normalize(text)))
        padded = " " + " ".join(toks) + " "
        present = set(toks)
        best, best_score = FALLBACK_CODE, 0
        for code, phrases in self.phrases.items():
            score = sum(2 * len(p.split()) for p in phrases if f" {p} " in padded)
            score += len(self.words[code] & present)
            if score > best_score:
                best, best_score = code, score
        return best

"""Fields guessed from their own words: the `keywords` of `nlp/fields.toml` and the phrases of each
field's label and description, matched in the diacritic-free text.

`KeywordPrior.scores` is the prior the classifier blends with its model; `KeywordClassifier` is
the rule baseline of the evaluation (what the trained model adds over simple rules).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp.fields import FALLBACK_CODE, Field
from nlp.text import normalize, strip_diacritics, tokens

__all__ = ["KeywordClassifier", "KeywordPrior"]

_SPLIT_RE = re.compile(r"[,.;:()/]| và | hoặc ")
_GENERIC = frozenset(
    [
        "cac", "cho", "cua", "co", "khong", "va", "hoac", "tren", "duoc", "nhung", "viec", "nguoi", "cap",
        "ho", "gia", "dinh", "chat", "luong", "xay", "dung", "tro", "khac"
    ]
)


def _plain(text: str) -> str:
    return " ".join(tokens(strip_diacritics(normalize(text))))


class KeywordPrior:
    """Per field, the weight of its phrases found in a message: a phrase of n words weighs n, so
    "đường ống nước" (water) outweighs "đường" (roads). A word that several fields list decides
    nothing and is dropped."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.codes = [f.code for f in fields]
        phrases: dict[str, set[str]] = {}
        for f in fields:
            if f.code == FALLBACK_CODE:
                continue
            own = {_plain(k) for k in f.keywords}
            own |= {p for p in (_plain(x) for x in _SPLIT_RE.split(f"{f.label}, {f.description}")) if " " in p}
            phrases[f.code] = {p for p in own if p and p not in _GENERIC}
        owners: dict[str, int] = {}
        for own in phrases.values():
            for p in own:
                owners[p] = owners.get(p, 0) + 1
        self.phrases = {code: sorted(p for p in own if owners[p] == 1) for code, own in phrases.items()}

    def raw(self, text: str) -> dict[str, float]:
        """Field -> summed weight of its phrases in `text` (already normalised or not)."""
        padded = f" {_plain(text)} "
        out: dict[str, float] = {}
        for code, phrases in self.phrases.items():
            score = sum(len(p.split(" ")) for p in phrases if f" {p} " in padded)
            if score:
                out[code] = float(score)
        return out

    def scores(self, texts: Sequence[str], classes: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Rows of a distribution over `classes` (zeros for a text with no phrase found)."""
        index = {code: j for j, code in enumerate(classes)}
        out = np.zeros((len(texts), len(classes)), dtype=np.float64)
        for i, text in enumerate(texts):
            found = self.raw(text)
            total = sum(found.values())
            for code, score in found.items():
                if code in index:
                    out[i, index[code]] = score / total
        return out


class KeywordClassifier:
    """The field with the most phrase weight; `khac` when none is found."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.prior = KeywordPrior(fields)

    def predict(self, text: str) -> str:
        found = self.prior.raw(text)
        if not found:
            return FALLBACK_CODE
        return max(found.items(), key=lambda kv: kv[1])[0]

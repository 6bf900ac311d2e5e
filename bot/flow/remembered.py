"""The analysis made at «Gửi», kept in the conversation so the stored question is not analysed twice."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from storage.analysis import Analysis, Analyzer


class Remembered:
    """The analyzer, except that the text already analysed at "Gửi" is not analysed again."""

    def __init__(self, inner: Analyzer, text: str, stored: dict[str, Any] | None) -> None:
        self.inner = inner
        self.text = text
        self.stored = stored or {}

    def analyze(self, text: str) -> Analysis:
        s = self.stored
        if text != self.text or "normalized" not in s:
            return self.inner.analyze(text)
        return Analysis(normalized=s["normalized"], search_text=s["search_text"], field=s.get("field"),
                        confidence=s.get("confidence"), needs_review=bool(s.get("needs_review", True)),
                        alternatives=[(str(c), float(p)) for c, p in s.get("alternatives", [])])

    def find_similar(self, text: str, candidates: Sequence[tuple[Hashable, str]]) -> list[tuple[Hashable, float]]:
        return self.inner.find_similar(text, candidates)

    def search_form(self, text: str) -> str:
        return self.inner.search_form(text)

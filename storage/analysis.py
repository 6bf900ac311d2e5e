"""What the actions need from text analysis, as a protocol the composition root fills in.

storage imports nothing from the rest of the project; `doithoai.wiring` plugs the `nlp`
package in here.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Analysis:
    normalized: str
    search_text: str
    field: str | None = None
    confidence: float | None = None
    alternatives: list[tuple[str, float]] = dataclasses.field(default_factory=list)
    needs_review: bool = True


class Analyzer(Protocol):
    def analyze(self, text: str) -> Analysis: ...

    def find_similar(
        self, text: str, candidates: Sequence[tuple[Hashable, str]]
    ) -> list[tuple[Hashable, float]]: ...

    def search_form(self, text: str) -> str: ...


def fold(text: str) -> str:
    """Lowercase, diacritic-free form used for search when no analyzer is wired."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").split())


class PlainAnalyzer:
    """Keeps text as typed and suggests no field: everything goes to review."""

    def analyze(self, text: str) -> Analysis:
        clean = " ".join(text.split())
        return Analysis(normalized=clean, search_text=fold(clean))

    def find_similar(
        self, text: str, candidates: Sequence[tuple[Hashable, str]]
    ) -> list[tuple[Hashable, float]]:
        folded = fold(text)
        return [(cid, 1.0) for cid, other in candidates if fold(other) == folded]

    def search_form(self, text: str) -> str:
        return fold(text)


@runtime_checkable
class BulkAnalyzer(Protocol):
    """What an analyzer offers for many texts at once (`doithoai.wiring.NlpAnalyzer` has it)."""

    def analyze_many(self, texts: Sequence[str]) -> list[Analysis]: ...

    def group_duplicates(self, items: Sequence[tuple[int, str]]) -> list[tuple[int, int, float]]:
        """(id, id of the group's first member, similarity) per item, in input order."""
        ...

    def propose(self, items: Sequence[tuple[int, str]], asking: Sequence[int]) -> dict[int, tuple[int, float]]:
        """For each position in `asking`, the item before it in `items` that its text most resembles,
        as (id, score), when one is similar enough to be proposed as a duplicate."""
        ...


class OneByOne:
    """Any analyzer as a `BulkAnalyzer`: one text at a time, duplicates only when the folded text is the same."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def analyze_many(self, texts: Sequence[str]) -> list[Analysis]:
        return [self.analyzer.analyze(t) for t in texts]

    def group_duplicates(self, items: Sequence[tuple[int, str]]) -> list[tuple[int, int, float]]:
        first: dict[str, int] = {}
        return [(qid, first.setdefault(fold(text), qid), 1.0) for qid, text in items]

    def propose(self, items: Sequence[tuple[int, str]], asking: Sequence[int]) -> dict[int, tuple[int, float]]:
        found: dict[int, tuple[int, float]] = {}
        for pos in asking:
            similar = self.analyzer.find_similar(items[pos][1], items[:pos])
            if similar:
                best, score = similar[0]
                found[pos] = (int(str(best)), float(score))
        return found


def bulk(analyzer: Analyzer) -> BulkAnalyzer:
    return analyzer if isinstance(analyzer, BulkAnalyzer) else OneByOne(analyzer)

"""Puts the parts together: the NLP package behind storage's Analyzer protocol, engines, sessions."""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from pathlib import Path

from nlp import classify, group, normalize, similar, strip_diacritics
from storage.analysis import Analysis
from telemetry.metrics import CLASSIFY_SECONDS

# How often a process looks whether the model file was replaced by a retraining job.
RELOAD_CHECK_SECONDS = 5.0


class NlpAnalyzer:
    """Normalise, classify and find similar questions with the trained model. `auto_accept`
    (setting DOITHOAI_AUTO_ACCEPT) overrides the threshold the model chose on its dev split."""

    def __init__(self, model_path: Path, fields_path: Path | None = None, auto_accept: float | None = None) -> None:
        self.model_path = model_path
        self.fields_path = fields_path
        self.classifier = classify.load_or_train(model_path, fields_path=fields_path)
        self.auto_accept = auto_accept
        self._seen = self._stamp()
        self._checked = time.monotonic()

    def _stamp(self) -> int:
        return self.model_path.stat().st_mtime_ns if self.model_path.exists() else 0

    def reload_if_changed(self, every: float = RELOAD_CHECK_SECONDS) -> bool:
        """Load the model again when its file changed (the worker retrained it); looks at most every `every` s."""
        now = time.monotonic()
        if now - self._checked < every:
            return False
        self._checked = now
        stamp = self._stamp()
        if stamp == self._seen or stamp == 0:
            return False
        self.classifier = classify.load_or_train(self.model_path, fields_path=self.fields_path)
        self._seen = stamp
        return True

    def analyze(self, text: str) -> Analysis:
        with CLASSIFY_SECONDS.time():
            return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str]) -> list[Analysis]:
        """One classifier call for many texts (an import's batch): far cheaper than one call each."""
        self.reload_if_changed()
        normalized = [normalize(t) for t in texts]
        # `predict` would normalise the texts a second time.
        predictions = self.classifier.predict_normalized(normalized, self.auto_accept)
        return [
            Analysis(
                normalized=n,
                search_text=strip_diacritics(n),
                field=p.field,
                confidence=p.confidence,
                alternatives=list(p.alternatives),
                needs_review=p.needs_review,
            )
            for n, p in zip(normalized, predictions, strict=True)
        ]

    def group_duplicates(self, items: Sequence[tuple[int, str]]) -> list[tuple[int, int, float]]:
        return [(int(h.id), int(h.group), h.similarity)  # type: ignore[call-overload]
                for h in group(items)]

    def propose(self, items: Sequence[tuple[int, str]], asking: Sequence[int]) -> dict[int, tuple[int, float]]:
        """One index of `items` for every question asking: the ranking of `find_similar` over the
        items before each one."""
        index = similar.SimilarIndex()
        for item_id, text in items:
            index.add(item_id, text)
        found: dict[int, tuple[int, float]] = {}
        for pos in asking:
            best = index.query(similar.compared(items[pos][1])[0], top=1, min_score=similar.SUGGEST_MIN, before=pos)
            if best:
                found[pos] = (int(str(best[0][0])), best[0][1])
        return found

    def find_similar(
        self, text: str, candidates: Sequence[tuple[Hashable, str]]
    ) -> list[tuple[Hashable, float]]:
        return similar.find_similar(text, candidates)

    def search_form(self, text: str) -> str:
        return strip_diacritics(normalize(text))

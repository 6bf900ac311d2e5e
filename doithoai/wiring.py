"""Puts the parts together: the NLP package behind storage's Analyzer protocol, engines, sessions."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

from nlp import classify, duplicates

# The functions, not the module: `nlp/__init__` rebinds the name `nlp.normalize` to the function.
from nlp.normalize import normalize, strip_diacritics
from storage.analysis import Analysis
from telemetry.metrics import CLASSIFY_SECONDS


class NlpAnalyzer:
    """Normalise, classify and find similar questions with the trained model."""

    def __init__(self, model_path: Path, fields_path: Path | None = None) -> None:
        self.classifier = classify.load_or_train(model_path, fields_path=fields_path)

    def analyze(self, text: str) -> Analysis:
        with CLASSIFY_SECONDS.time():
            return self._analyze(text)

    def _analyze(self, text: str) -> Analysis:
        normalized = normalize(text)
        # `predict` would normalise the text a second time.
        prediction = self.classifier.predict_normalized([normalized])[0]
        return Analysis(
            normalized=normalized,
            search_text=strip_diacritics(normalized),
            field=prediction.field,
            confidence=prediction.confidence,
            alternatives=list(prediction.alternatives),
            needs_review=prediction.needs_review,
        )

    def find_similar(
        self, text: str, candidates: Sequence[tuple[Hashable, str]]
    ) -> list[tuple[Hashable, float]]:
        return duplicates.find_similar(text, candidates)

    def search_form(self, text: str) -> str:
        return strip_diacritics(normalize(text))

"""A trained field classifier: a linear SVM over word and character features whose scores are
calibrated together with the fields' keyword prior, with the auto-accept threshold chosen on the
dev split.
Saved and loaded as one joblib artifact."""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np
import scipy.sparse
import sklearn
from sklearn.pipeline import FeatureUnion

from nlp.errors import ModelError
from nlp.fastpath import FastPath
from nlp.features import block_weights
from nlp.fields import FALLBACK_CODE
from nlp.keywords import KeywordPrior
from nlp.text import normalize, strip_diacritics, tokens

__all__ = [
    "ARTIFACT_FORMAT",
    "DEFAULT_AUTO_ACCEPT",
    "UNJUDGED_CONFIDENCE",
    "Classifier",
    "ModelOutdated",
    "Prediction",
    "ProbabilisticModel",
]

_log = logging.getLogger("doithoai.nlp.model")

ARTIFACT_FORMAT = 6
DEFAULT_AUTO_ACCEPT = 0.6
"""Auto-accept threshold of a model trained without a dev split to choose it on."""
UNJUDGED_CONFIDENCE = 0.05
"""Confidence reported with `khac` for text the model cannot judge (no known word)."""


Matrix = np.ndarray[Any, np.dtype[np.float64]]


class ProbabilisticModel(Protocol):
    classes_: Any

    def predict_proba(self, X: Any, *args: Any) -> Any: ...


class ModelOutdated(ModelError):
    """The saved artifact was written by another version of this package."""

    code = "model_outdated"


@dataclass(frozen=True)
class Prediction:
    field: str
    confidence: float
    """How likely `field` is right (the judge's estimate, see `nlp.calibration`)."""
    alternatives: list[tuple[str, float]] = dataclass_field(default_factory=list)
    """Top-3 (code, probability), the first being `field` with its `confidence`, the others sharing
    what is left in proportion to their probabilities (never above the first)."""
    needs_review: bool = True
    """Below the auto-accept threshold, or `khac`: an organiser must confirm the field."""


class Classifier:
    """Features + SVM, calibrated together with the keyword prior. A model that was not fitted
    with the prior (too few lines a field) is blended with it (`keyword_weight`) when the message
    names a field's keywords."""

    def __init__(
        self,
        features: FeatureUnion,
        model: ProbabilisticModel,
        prior: KeywordPrior,
        known_words: frozenset[str],
        taxonomy_hash: str,
        data_hash: str,
        *,
        keyword_weight: float = 0.3,
        auto_accept: float = DEFAULT_AUTO_ACCEPT,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.features = features
        self.model = model
        self.prior = prior
        self.classes: list[str] = [str(c) for c in model.classes_]
        self.known_words = known_words
        self.taxonomy_hash = taxonomy_hash
        self.data_hash = data_hash
        self.keyword_weight = keyword_weight
        self.auto_accept = auto_accept
        self.meta: dict[str, Any] = dict(meta or {})
        self.out_of_fold: tuple[list[float], list[bool]] | None = None
        """(confidence, right) of the lines learnt as predicted out of fold at training; not saved."""
        self._fast = FastPath.build(features, model)

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Iterable[str], auto_accept: float | None = None) -> list[Prediction]:
        return self.predict_normalized([normalize(t) for t in texts], auto_accept)

    def predict_normalized(self, normalised: Sequence[str], auto_accept: float | None = None) -> list[Prediction]:
        """Like `predict_many` for texts that already went through `normalize`; `auto_accept`
        overrides the threshold chosen on dev."""
        threshold = self.auto_accept if auto_accept is None else auto_accept
        judged = [i for i, t in enumerate(normalised) if self._can_judge(t)]
        out: list[Prediction] = [self._unjudged() for _ in normalised]
        if not judged:
            return out
        proba, confidence = self.scored([normalised[i] for i in judged])
        top = np.argsort(-proba, axis=1)[:, :3]
        for row, i in enumerate(judged):
            alternatives = _alternatives(
                [self.classes[j] for j in top[row]], [float(proba[row, j]) for j in top[row]], float(confidence[row])
            )
            code, confidence_ = alternatives[0]
            out[i] = Prediction(
                field=code,
                confidence=confidence_,
                alternatives=alternatives,
                needs_review=code == FALLBACK_CODE or confidence_ < threshold,
            )
        return out

    @property
    def stacked(self) -> bool:
        """Whether the keyword prior enters the model's own calibration."""
        return bool(getattr(self.model, "side_width_", 0))

    def proba(self, normalised: Sequence[str]) -> Matrix:
        """Class probabilities (columns in `classes` order) for normalised texts."""
        return self.scored(normalised)[0]

    def scored(self, normalised: Sequence[str]) -> tuple[Matrix, Matrix]:
        """(class probabilities in `classes` order, confidence in the top field) for normalised texts."""
        texts = list(normalised)
        prior = self.prior.scores(texts, self.classes)
        if self._fast is not None:
            proba, confidence = self._fast.scored(texts, prior if self.stacked else None)
        else:
            proba, confidence = self.sklearn_scored(texts, prior)
        if self.stacked:
            return proba, confidence
        weight = self.keyword_weight
        if weight <= 0:
            return proba, proba.max(axis=1)
        found = prior.sum(axis=1, keepdims=True) > 0
        blended = np.where(found, (1 - weight) * proba + weight * prior, proba)
        return blended, blended.max(axis=1)

    def sklearn_proba(self, texts: Sequence[str], prior: Matrix) -> Matrix:
        """The model's probabilities computed by scikit-learn (before any fixed keyword blend)."""
        return self.sklearn_scored(texts, prior)[0]

    def sklearn_scored(self, texts: Sequence[str], prior: Matrix) -> tuple[Matrix, Matrix]:
        """`scored` computed by scikit-learn (before any fixed keyword blend)."""
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            weights = block_weights(self.features)
            matrix = scipy.sparse.hstack(
                [w * t.transform(texts) for (_, t), w in zip(self.features.transformer_list, weights, strict=True)]
            ).tocsr()
            if self.stacked and hasattr(self.model, "predict_confidence"):
                scored: tuple[Matrix, Matrix] = self.model.predict_confidence(matrix, prior)
                return scored
            if self.stacked:
                stacked: Matrix = self.model.predict_proba(matrix, prior)
                return stacked, stacked.max(axis=1)
            proba: Matrix = self.model.predict_proba(matrix)
        return proba, proba.max(axis=1)

    def _can_judge(self, normalised: str) -> bool:
        return any(w in self.known_words for w in tokens(strip_diacritics(normalised)))

    @staticmethod
    def _unjudged() -> Prediction:
        return Prediction(
            field=FALLBACK_CODE,
            confidence=UNJUDGED_CONFIDENCE,
            alternatives=[(FALLBACK_CODE, UNJUDGED_CONFIDENCE)],
            needs_review=True,
        )

    def save(self, path: Path) -> None:
        """Write the artifact atomically (a reader never sees a half-written file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": ARTIFACT_FORMAT,
            "kind": "tfidf-word-char-svm+keyword-prior-stacked-calibration+judge",
            "features": self.features,
            "model": self.model,
            "prior": self.prior,
            "known_words": self.known_words,
            "taxonomy_hash": self.taxonomy_hash,
            "data_hash": self.data_hash,
            "keyword_weight": self.keyword_weight,
            "auto_accept": self.auto_accept,
            "meta": self.meta,
        }
        fd, tmp = tempfile.mkstemp(prefix=".classifier-", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            joblib.dump(payload, tmp, compress=3)
            Path(tmp).replace(path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """Raises FileNotFoundError, `ModelOutdated` (another format) or `ModelError`."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                payload = joblib.load(path)
        except FileNotFoundError:
            raise
        except (AttributeError, ImportError) as exc:
            # A class the artifact names has moved or gone: written by an older version.
            _log.warning("classifier model %s was written by another version", path, exc_info=True)
            raise ModelOutdated(f"Mô hình phân loại {path} thuộc phiên bản khác; hãy chạy `doithoai train`.") from exc
        except Exception as exc:
            _log.warning("cannot read classifier model %s", path, exc_info=True)
            raise ModelError(f"Không đọc được mô hình phân loại {path}; hãy chạy `doithoai train`.") from exc
        if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
            raise ModelOutdated(f"Mô hình phân loại {path} thuộc phiên bản khác; hãy chạy `doithoai train`.")
        return cls(
            features=payload["features"],
            model=payload["model"],
            prior=payload["prior"],
            known_words=frozenset(payload["known_words"]),
            taxonomy_hash=str(payload["taxonomy_hash"]),
            data_hash=str(payload["data_hash"]),
            keyword_weight=float(payload["keyword_weight"]),
            auto_accept=float(payload["auto_accept"]),
            meta=dict(payload.get("meta") or {}),
        )


def _alternatives(codes: Sequence[str], proba: Sequence[float], confidence: float) -> list[tuple[str, float]]:
    """The top field with `confidence`; the others share the rest as their probabilities do, never
    above the first."""
    rest = 1.0 - proba[0]
    share = (1.0 - confidence) / rest if rest > 0 else 0.0
    out = [(codes[0], round(confidence, 4))]
    out += [(c, round(min(confidence, p * share), 4)) for c, p in zip(codes[1:], proba[1:], strict=True)]
    return out

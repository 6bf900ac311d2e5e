"""The trained classifier's arithmetic without scikit-learn's per-call checks: TF-IDF rows built
from the fitted vocabularies and weights, the SVM's scores and the stacked calibration as plain
matrix products, and the judge's confidence in the top field. One question then costs its
analysers and two small products (a tenth of going through scikit-learn), with the same
probabilities and confidence (checked by the tests)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from nlp.calibration import judge_inputs
from nlp.features import block_weights

__all__ = ["FastPath"]

Matrix = np.ndarray[Any, np.dtype[np.float64]]


class _Block:
    """One fitted TF-IDF vectoriser: its analyser, vocabulary and weights, at an offset, its rows
    scaled by the block's weight in the union."""

    __slots__ = ("analyze", "idf", "offset", "sublinear", "vocabulary", "weight")

    def __init__(self, vectorizer: TfidfVectorizer, offset: int, weight: float = 1.0) -> None:
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = dict(vectorizer.vocabulary_)
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.offset = offset
        self.weight = weight

    def row(self, text: str) -> tuple[list[int], list[float]]:
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for term in self.analyze(text):
            j = vocabulary.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return [], []
        cols = list(counts)
        tf = [(1.0 + math.log(c)) if self.sublinear else float(c) for c in counts.values()]
        values = np.asarray(tf) * self.idf[cols]
        values *= self.weight / (math.sqrt(float(values @ values)) or 1.0)
        return [self.offset + j for j in cols], values.tolist()


class FastPath:
    """Probabilities of a `CalibratedSVC` (stacked with side scores) over a `FeatureUnion` of
    TF-IDF vectorisers; `None` from `build` when the model is of another kind."""

    def __init__(self, blocks: list[_Block], width: int, svc: Any, scaler: Any, judge: Any = None) -> None:
        self.blocks = blocks
        self.width = width
        self.svc_coef = np.asarray(svc.coef_, dtype=np.float64).T.copy()
        self.svc_intercept = np.asarray(svc.intercept_, dtype=np.float64)
        self.scaler_coef = np.asarray(scaler.coef_, dtype=np.float64).T.copy()
        self.scaler_intercept = np.asarray(scaler.intercept_, dtype=np.float64)
        coef = getattr(judge, "judge_coef_", None)
        self.judge_coef = None if coef is None else np.asarray(coef, dtype=np.float64)
        self.judge_intercept = float(getattr(judge, "judge_intercept_", 0.0))

    @classmethod
    def build(cls, features: FeatureUnion, model: Any) -> FastPath | None:
        svc, scaler = getattr(model, "svc_", None), getattr(model, "scaler_", None)
        if svc is None or scaler is None or len(scaler.classes_) <= 2 or len(svc.classes_) <= 2:
            return None
        blocks: list[_Block] = []
        offset = 0
        weights = block_weights(features)
        for (_, vectorizer), weight in zip(features.transformer_list, weights, strict=True):
            if not isinstance(vectorizer, TfidfVectorizer) or vectorizer.norm != "l2" or not vectorizer.use_idf:
                return None
            blocks.append(_Block(vectorizer, offset, weight))
            offset += len(vectorizer.vocabulary_)
        if offset != svc.coef_.shape[1]:
            return None
        return cls(blocks, offset, svc, scaler, model)

    def matrix(self, texts: Sequence[str]) -> scipy.sparse.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            for block in self.blocks:
                cols, values = block.row(text)
                indices += cols
                data += values
            indptr.append(len(indices))
        return scipy.sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(texts), self.width),
        )

    def proba(self, texts: Sequence[str], side: Matrix | None) -> Matrix:
        return self.scored(texts, side)[0]

    def scored(self, texts: Sequence[str], side: Matrix | None) -> tuple[Matrix, Matrix]:
        """(class probabilities, confidence in the top field) of each text."""
        scores = self.matrix(texts) @ self.svc_coef + self.svc_intercept
        stacked = scores if side is None or side.shape[1] == 0 else np.hstack([scores, side])
        z = stacked @ self.scaler_coef + self.scaler_intercept
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        if self.judge_coef is None:
            return z, z.max(axis=1)
        judged = judge_inputs(z, scores) @ self.judge_coef + self.judge_intercept
        return z, 1.0 / (1.0 + np.exp(-judged))

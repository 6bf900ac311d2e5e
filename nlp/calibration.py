"""A linear SVM with probabilities: its K decision scores, beside side scores such as the fields'
keyword prior, are turned into class probabilities by a multinomial logistic regression fitted on
out-of-fold scores (Platt scaling for K classes, stacked with the prior). The regression learns
how far to trust each field's keywords against the SVM, instead of one fixed blend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.svm import LinearSVC

__all__ = ["CalibratedSVC"]


class CalibratedSVC(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Like scikit-learn's CalibratedClassifierCV without keeping one SVM per fold, so a single
    prediction costs one SVM instead of five (p95 of one question stays well under 10 ms).
    `groups` keeps a line and its variants (without diacritics) in the same fold; `side` (one row
    per line, e.g. the keyword prior) enters the calibration beside the SVM's scores.
    """

    def __init__(self, c: float = 0.5, folds: int = 5, scaler_c: float = 1.0) -> None:
        self.c = c
        self.folds = folds
        self.scaler_c = scaler_c

    def fit(
        self, X: Any, y: Sequence[str], groups: Sequence[int] | None = None, side: Any = None
    ) -> CalibratedSVC:
        labels = np.asarray(y)
        if groups is None:
            groups = list(range(len(labels)))
        n_groups = len(set(groups))
        scores = cross_val_predict(
            LinearSVC(C=self.c, random_state=0),
            X,
            labels,
            groups=groups,
            cv=GroupKFold(n_splits=min(self.folds, n_groups)),
            method="decision_function",
        )
        self.svc_ = LinearSVC(C=self.c, random_state=0).fit(X, labels)
        self.side_width_ = 0 if side is None else int(np.asarray(side).shape[1])
        self.scaler_ = LogisticRegression(C=self.scaler_c, max_iter=2000).fit(self._stack(scores, side), labels)
        self.classes_ = self.scaler_.classes_
        return self

    def _stack(self, scores: Any, side: Any) -> Any:
        scores = _as_2d(scores)
        if not self.side_width_:
            return scores
        if side is None:
            side = np.zeros((scores.shape[0], self.side_width_))
        return np.hstack([scores, np.asarray(side, dtype=np.float64)])

    def decision_function(self, X: Any) -> Any:
        return self.svc_.decision_function(X)

    def predict_proba(self, X: Any, side: Any = None) -> Any:
        return self.scaler_.predict_proba(self._stack(self.svc_.decision_function(X), side))

    def predict(self, X: Any, side: Any = None) -> Any:
        return self.classes_[np.argmax(self.predict_proba(X, side), axis=1)]


def _as_2d(scores: Any) -> Any:
    scores = np.asarray(scores)
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores

"""A linear SVM with probabilities: its K decision scores, beside side scores such as the fields'
keyword prior, are turned into class probabilities by a multinomial logistic regression fitted on
out-of-fold scores (Platt scaling for K classes, stacked with the prior). The regression learns
how far to trust each field's keywords against the SVM, instead of one fixed blend.

The confidence of the top field is a second, binary logistic regression (the "judge") that
estimates whether the top field is right from the top probability, its lead over the second and
the SVM's top score and lead, fitted on out-of-fold probabilities of the training lines. The top
probability alone ranks a close call between two fields like a clear one; on dev the judge ranked
right answers better above wrong ones (see README)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.svm import LinearSVC

__all__ = ["CalibratedSVC", "judge_inputs"]

Matrix = np.ndarray[Any, np.dtype[np.float64]]
_EPS = 1e-9


def judge_inputs(proba: Matrix, scores: Matrix) -> Matrix:
    """Per row: log-odds of the top probability, log of its ratio to the second, the SVM's lead
    of its top score over the second, and the top score."""
    p = np.sort(np.asarray(proba, dtype=np.float64), axis=1)
    s = np.sort(np.asarray(scores, dtype=np.float64), axis=1)
    p1, p2 = p[:, -1], p[:, -2]
    return np.column_stack(
        [
            np.log(p1 + _EPS) - np.log(1.0 - p1 + _EPS),
            np.log(p1 + _EPS) - np.log(p2 + _EPS),
            s[:, -1] - s[:, -2],
            s[:, -1],
        ]
    )


class CalibratedSVC(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Like scikit-learn's CalibratedClassifierCV without keeping one SVM per fold, so a single
    prediction costs one SVM instead of five (p95 of one question stays well under 10 ms).
    `groups` keeps a line and its variants (without diacritics) in the same fold; `side` (one row
    per line, e.g. the keyword prior) enters the calibration beside the SVM's scores.
    """

    def __init__(self, c: float = 0.5, folds: int = 5, scaler_c: float = 1.0, judge_c: float = 1.0) -> None:
        self.c = c
        self.folds = folds
        self.scaler_c = scaler_c
        self.judge_c = judge_c

    def fit(
        self, X: Any, y: Sequence[str], groups: Sequence[int] | None = None, side: Any = None
    ) -> CalibratedSVC:
        labels = np.asarray(y)
        if groups is None:
            groups = list(range(len(labels)))
        n_groups = len(set(groups))
        folds = GroupKFold(n_splits=min(self.folds, n_groups))
        scores = cross_val_predict(
            LinearSVC(C=self.c, random_state=0), X, labels, groups=groups, cv=folds, method="decision_function"
        )
        self.svc_ = LinearSVC(C=self.c, random_state=0).fit(X, labels)
        self.side_width_ = 0 if side is None else int(np.asarray(side).shape[1])
        stacked = self._stack(scores, side)
        self.scaler_ = LogisticRegression(C=self.scaler_c, max_iter=2000).fit(stacked, labels)
        self.classes_ = self.scaler_.classes_
        self._fit_judge(stacked, _as_2d(scores), labels, groups, folds)
        return self

    def _fit_judge(self, stacked: Matrix, scores: Matrix, labels: Any, groups: Sequence[int], folds: Any) -> None:
        """The judge learns from the calibration's own out-of-fold probabilities (on top of the
        SVM's out-of-fold scores) which top fields turn out right."""
        self.judge_coef_: Matrix | None = None
        self.judge_intercept_ = 0.0
        self.oof_: tuple[Any, Matrix] | None = None
        if len(self.classes_) <= 2:
            return
        proba = cross_val_predict(
            LogisticRegression(C=self.scaler_c, max_iter=2000),
            stacked,
            labels,
            groups=groups,
            cv=folds,
            method="predict_proba",
        )
        top = self.classes_[np.argmax(proba, axis=1)]
        right = top == labels
        # The out-of-fold top field and confidence of every row, for choosing the auto-accept
        # threshold on rows the deciding fit never saw (dropped by the caller before saving).
        self.oof_ = (top, np.max(proba, axis=1))
        if right.all() or not right.any():
            return
        inputs = judge_inputs(proba, scores)
        self.judge_mean_ = inputs.mean(axis=0)
        self.judge_scale_ = np.where(inputs.std(axis=0) > 0, inputs.std(axis=0), 1.0)
        judge = LogisticRegression(C=self.judge_c, max_iter=2000).fit(
            (inputs - self.judge_mean_) / self.judge_scale_, right
        )
        # Folded into one linear function of the raw inputs.
        self.judge_coef_ = judge.coef_[0] / self.judge_scale_
        self.judge_intercept_ = float(judge.intercept_[0] - self.judge_coef_ @ self.judge_mean_)
        self.oof_ = (top, self.confidence(proba, scores))

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

    def predict_confidence(self, X: Any, side: Any = None) -> tuple[Matrix, Matrix]:
        """(class probabilities, the judge's probability that the top field is right)."""
        scores = _as_2d(self.svc_.decision_function(X))
        proba: Matrix = self.scaler_.predict_proba(self._stack(scores, side))
        return proba, self.confidence(proba, scores)

    def confidence(self, proba: Matrix, scores: Matrix) -> Matrix:
        coef = getattr(self, "judge_coef_", None)
        if coef is None:
            top: Matrix = np.max(proba, axis=1)
            return top
        z = judge_inputs(proba, scores) @ coef + self.judge_intercept_
        out: Matrix = 1.0 / (1.0 + np.exp(-z))
        return out

    def predict(self, X: Any, side: Any = None) -> Any:
        return self.classes_[np.argmax(self.predict_proba(X, side), axis=1)]


def _as_2d(scores: Any) -> Any:
    scores = np.asarray(scores)
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores

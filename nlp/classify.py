"""Field classifier: TF-IDF word and character n-grams with a calibrated linear model.

Features are taken from the normalised text and from its diacritic-free form, and every
training line is also learnt without diacritics, so "duong vao ap 3 bi hu" is judged like
"đường vào ấp 3 bị hư". The model and its metadata are saved as one joblib artifact.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlp.corpus import data_hash as compute_data_hash
from nlp.corpus import load_corpus, split
from nlp.errors import ModelError, ModelMismatch
from nlp.fields import FALLBACK_CODE, Field, load_fields, taxonomy_hash
from nlp.normalize import has_diacritics, normalize, strip_diacritics, tokens

__all__ = [
    "ARTIFACT_FORMAT",
    "DEFAULT_MODEL_PATH",
    "REVIEW_THRESHOLD",
    "Classifier",
    "ModelMismatch",
    "Prediction",
    "build_pipeline",
    "load_or_train",
    "train",
    "training_examples",
]

DEFAULT_MODEL_PATH = Path("data/model/classifier.joblib")
REVIEW_THRESHOLD = 0.45
"""Below this confidence a question is marked for review by an organiser."""
ARTIFACT_FORMAT = 1
UNJUDGED_CONFIDENCE = 0.05
"""Confidence reported with `khac` for text the model cannot judge (no known word)."""

ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class Prediction:
    field: str
    confidence: float
    alternatives: list[tuple[str, float]] = dataclass_field(default_factory=list)
    """Top-3 (code, probability), the first being `field`."""
    needs_review: bool = True


def _lower(text: str) -> str:
    return text.lower()


class CalibratedSVC(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A linear SVM whose K decision scores are turned into probabilities by a multinomial
    logistic regression fitted on out-of-fold scores (Platt scaling for K classes).

    Like scikit-learn's CalibratedClassifierCV without keeping one SVM per fold, so a single
    prediction costs one SVM instead of five (p95 of one question stays well under 10 ms).
    `groups` keeps a line and its diacritic-free copy in the same fold.
    """

    def __init__(self, c: float = 0.5, folds: int = 5) -> None:
        self.c = c
        self.folds = folds

    def fit(self, X: Any, y: Sequence[str], groups: Sequence[int] | None = None) -> CalibratedSVC:
        labels = np.asarray(y)
        if groups is None:
            groups = list(range(len(labels)))
        n_groups = len(set(groups))
        svc = LinearSVC(C=self.c, random_state=0)
        scores = cross_val_predict(
            svc,
            X,
            labels,
            groups=groups,
            cv=GroupKFold(n_splits=min(self.folds, n_groups)),
            method="decision_function",
        )
        self.svc_ = LinearSVC(C=self.c, random_state=0).fit(X, labels)
        self.scaler_ = LogisticRegression(C=1.0, max_iter=1000).fit(_as_2d(scores), labels)
        self.classes_ = self.scaler_.classes_
        return self

    def decision_function(self, X: Any) -> Any:
        return self.svc_.decision_function(X)

    def predict_proba(self, X: Any) -> Any:
        return self.scaler_.predict_proba(_as_2d(self.svc_.decision_function(X)))

    def predict(self, X: Any) -> Any:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _as_2d(scores: Any) -> Any:
    scores = np.asarray(scores)
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores


def build_pipeline(min_class_size: int = 5) -> Pipeline:
    """The feature union and linear model; input is already `normalize`d text.

    A linear SVM with calibrated probabilities measured best on the held-out split (see
    `doithoai eval`); when a field has too few examples for the cross-validation, logistic
    regression (calibrated by itself) is used instead.
    """
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=_lower,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regular expression
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            (
                "plain_words",
                TfidfVectorizer(
                    preprocessor=strip_diacritics,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regular expression
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            (
                "plain_chars",
                TfidfVectorizer(
                    preprocessor=strip_diacritics,
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    model: BaseEstimator
    model = CalibratedSVC(c=0.5, folds=5) if min_class_size >= 3 else LogisticRegression(C=20.0, max_iter=2000)
    return Pipeline([("features", features), ("model", model)])


class Classifier:
    """A trained field classifier with the hashes of its taxonomy and training data."""

    def __init__(
        self,
        pipeline: Pipeline,
        known_words: frozenset[str],
        taxonomy_hash: str,
        data_hash: str,
        meta: dict[str, Any] | None = None,
        review_threshold: float = REVIEW_THRESHOLD,
    ) -> None:
        self.pipeline = pipeline
        self.classes: list[str] = [str(c) for c in pipeline.classes_]
        self.known_words = known_words
        self.taxonomy_hash = taxonomy_hash
        self.data_hash = data_hash
        self.meta: dict[str, Any] = dict(meta or {})
        self.review_threshold = review_threshold

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Iterable[str]) -> list[Prediction]:
        normalised = [normalize(t) for t in texts]
        return self.predict_normalized(normalised)

    def predict_normalized(self, normalised: Sequence[str]) -> list[Prediction]:
        """Like `predict_many` for texts that already went through `normalize`."""
        judged = [i for i, t in enumerate(normalised) if self._can_judge(t)]
        out: list[Prediction] = [self._unjudged() for _ in normalised]
        if not judged:
            return out
        proba = self.proba([normalised[i] for i in judged])
        top = np.argsort(-proba, axis=1)[:, :3]
        for row, i in enumerate(judged):
            alternatives = [(self.classes[j], round(float(proba[row, j]), 4)) for j in top[row]]
            code, confidence = alternatives[0]
            out[i] = Prediction(
                field=code,
                confidence=confidence,
                alternatives=alternatives,
                needs_review=code == FALLBACK_CODE or confidence < self.review_threshold,
            )
        return out

    def proba(self, normalised: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Class probabilities (columns in `classes` order) for normalised texts."""
        texts = list(normalised)
        # Input is known to be clean: skipping scikit-learn's checks halves one prediction's cost.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            union = self.pipeline.named_steps["features"]
            features = scipy.sparse.hstack([t.transform(texts) for _, t in union.transformer_list]).tocsr()
            result: np.ndarray[Any, np.dtype[np.float64]] = self.pipeline.named_steps["model"].predict_proba(features)
        return result

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
            "kind": "tfidf-word-char-linear-calibrated",
            "pipeline": self.pipeline,
            "known_words": self.known_words,
            "taxonomy_hash": self.taxonomy_hash,
            "data_hash": self.data_hash,
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
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                payload = joblib.load(path)
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise ModelError(
                f"Không đọc được mô hình phân loại {path}; hãy chạy `doithoai train`.",
                f"cannot read classifier model {path}: {exc}; run `doithoai train`",
            ) from exc
        if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
            raise ModelError(
                f"Mô hình phân loại {path} thuộc phiên bản khác; hãy chạy `doithoai train`.",
                f"classifier model {path} has another format; run `doithoai train`",
            )
        return cls(
            pipeline=payload["pipeline"],
            known_words=frozenset(payload["known_words"]),
            taxonomy_hash=str(payload["taxonomy_hash"]),
            data_hash=str(payload["data_hash"]),
            meta=dict(payload.get("meta") or {}),
        )


def _resolve_fields(fields: Sequence[Field] | Path | None) -> list[Field]:
    if fields is None or isinstance(fields, (str, Path)):
        return load_fields(None if fields is None else Path(fields))
    return list(fields)


def training_examples(
    corpus_dir: Path | None,
    fields: Sequence[Field],
    extra: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """The corpus' training split plus `extra` (text, code) pairs whose code is in the taxonomy.
    The held-out split is never included."""
    codes = {f.code for f in fields}
    corpus = load_corpus(corpus_dir, codes)
    train_split, _ = split(corpus)
    extras = [(str(t), str(c)) for t, c in extra if c in codes and str(t).strip()]
    return train_split + extras


def train(
    corpus_dir: Path | None = None,
    fields: Sequence[Field] | Path | None = None,
    model_path: Path | None = DEFAULT_MODEL_PATH,
    extra: Sequence[tuple[str, str]] = (),
    *,
    progress: ProgressFn | None = None,
) -> Classifier:
    """Train on the corpus' training split plus `extra` (text, field code) pairs, e.g. organisers'
    corrections, and save the artifact to `model_path` (unless it is None)."""
    say = progress or (lambda _step: None)
    started = time.perf_counter()
    field_list = _resolve_fields(fields)
    say("Đọc dữ liệu huấn luyện")
    examples = training_examples(corpus_dir, field_list, extra)
    labels = sorted({code for _, code in examples})
    if len(labels) < 2:
        raise ModelError(
            "Dữ liệu huấn luyện cần ít nhất hai lĩnh vực có câu hỏi mẫu.",
            "training data needs examples of at least two fields",
        )
    say("Chuẩn hóa văn bản")
    texts: list[str] = []
    targets: list[str] = []
    groups: list[int] = []
    for i, (text, code) in enumerate(examples):
        norm = normalize(text)
        texts.append(norm)
        targets.append(code)
        groups.append(i)
        if has_diacritics(norm):
            texts.append(strip_diacritics(norm))
            targets.append(code)
            groups.append(i)
    say("Huấn luyện mô hình")
    pipeline = build_pipeline(min(Counter(targets).values()))
    if isinstance(pipeline.named_steps["model"], CalibratedSVC):
        pipeline.fit(texts, targets, model__groups=groups)
    else:
        pipeline.fit(texts, targets)
    plain_words = pipeline.named_steps["features"].transformer_list[1][1]
    known = frozenset(w for w in plain_words.vocabulary_ if " " not in w)
    meta = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "examples": len(examples),
        "extra_examples": len(extra),
        "fields_without_examples": sorted({f.code for f in field_list} - set(labels)),
        "seconds": round(time.perf_counter() - started, 2),
    }
    classifier = Classifier(
        pipeline=pipeline,
        known_words=known,
        taxonomy_hash=taxonomy_hash(field_list),
        data_hash=compute_data_hash(examples),
        meta=meta,
    )
    if model_path is not None:
        say("Lưu mô hình")
        classifier.save(Path(model_path))
    return classifier


_cache: dict[tuple[str, int, str], Classifier] = {}
_cache_lock = threading.Lock()


def load_or_train(
    model_path: Path,
    fields_path: Path | None = None,
    corpus_dir: Path | None = None,
) -> Classifier:
    """The classifier saved at `model_path`, trained and saved first if the file is missing.

    Raises `ModelMismatch` when the saved model was trained for another taxonomy. Repeated
    calls return the same object until the file changes.
    """
    model_path = Path(model_path)
    fields = load_fields(fields_path)
    wanted = taxonomy_hash(fields)
    with _cache_lock:
        if not model_path.exists():
            train(corpus_dir, fields, model_path)
        key = (str(model_path.resolve()), model_path.stat().st_mtime_ns, wanted)
        cached = _cache.get(key)
        if cached is None:
            cached = Classifier.load(model_path)
            if cached.taxonomy_hash != wanted:
                raise ModelMismatch(
                    "Mô hình phân loại được huấn luyện cho một danh mục lĩnh vực khác; "
                    "hãy chạy `doithoai train` để huấn luyện lại.",
                    "the classifier model was trained for another field taxonomy; run `doithoai train` to retrain it",
                )
            _cache.clear()
            _cache[key] = cached
        return cached

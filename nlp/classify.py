"""Training the field classifier and loading the saved one.

The saved model is fitted on the corpus' train split and its dev split together (`REFIT_WITH_DEV`:
one more line in five to learn from, the intake-like dev messages among them), plus organisers'
corrections. Its auto-accept threshold is chosen on out-of-fold predictions of that same model:
the calibration already predicts every line it learns from by a fit on the other four fifths
(a line and its copy without diacritics in the same fold), and its judge turns them into
confidences, so the threshold is chosen on messages the deciding fit never saw, by the model that
is saved, and training costs no second fit. (A threshold chosen on dev by a first fit on train
alone and then kept for the refit on train and dev was too low for the refit, which is more
confident.) The test split is left for `doithoai eval`. The settings (`C` of the SVM, `C` of the
calibration that stacks the SVM's scores with the keyword prior, the weight of the character
n-grams, the guard `GUARD_Z`) were chosen on dev with `python bench/eval_classifier.py --dev`,
`--sweep` and `--guard`, which fit on train alone and score dev.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from nlp.calibration import CalibratedSVC
from nlp.corpus import Example, load_examples, splits
from nlp.corpus import data_hash as compute_data_hash
from nlp.errors import ModelError, ModelMismatch
from nlp.features import build_features, variants
from nlp.fields import Field, load_fields, taxonomy_hash
from nlp.keywords import KeywordPrior
from nlp.model import DEFAULT_AUTO_ACCEPT, Classifier, ModelOutdated, Prediction, ProbabilisticModel
from nlp.text import normalize

__all__ = [
    "DEFAULT_MODEL_PATH",
    "GUARD_Z",
    "KEYWORD_WEIGHT",
    "REFIT_WITH_DEV",
    "SCALER_C",
    "SVM_C",
    "TARGET_PRECISION",
    "Classifier",
    "ModelMismatch",
    "Prediction",
    "choose_auto_accept",
    "load_or_train",
    "train",
    "training_examples",
]

_log = logging.getLogger("doithoai.nlp.classify")

DEFAULT_MODEL_PATH = Path("data/model/classifier.joblib")
SVM_C = 0.3
SCALER_C = 0.3
KEYWORD_WEIGHT = 0.3
"""Fixed blend of the keyword prior, only for a model too small to stack it (few lines a field)."""
REFIT_WITH_DEV = True
"""Fit the saved model on train and dev (on dev, 0,8 → 1,0 of the train split had raised accuracy
by 1,3 points); False fits train alone, for measuring on dev."""
TARGET_PRECISION = 0.97
"""Precision the suggestions above the auto-accept threshold must keep."""
GUARD_Z = 2.5
"""The threshold asks the lower end of a Wilson interval (z standard errors) of the out-of-fold
precision to reach `TARGET_PRECISION`, not that precision itself. Chosen on dev
(`bench/eval_classifier.py --guard`): the smallest z of 0; 0,5; 1; 1,5 … at which at most one in
ten random draws of 350 dev messages (the size of an independent check) is auto-accepted at under
97%: with the fourth set of intake messages z=2 let 10,7% of the draws fall under, z=2,5 7,2%
(dev auto-accepted 89,0% at 97,8% and 88,7% at 97,9%). The draws fall under 97% that often
unless the auto-accepted are about 98% right, so the guard buys that margin."""

ProgressFn = Callable[[str], None]


def _resolve_fields(fields: Sequence[Field] | Path | None) -> list[Field]:
    if fields is None or isinstance(fields, (str, Path)):
        return load_fields(None if fields is None else Path(fields))
    return list(fields)


def training_examples(
    corpus_dir: Path | None,
    fields: Sequence[Field],
    extra: Sequence[tuple[str, str]] = (),
) -> tuple[list[tuple[str, str]], list[Example]]:
    """(train split plus valid `extra` (text, code) pairs, dev split). Test lines are never included."""
    codes = {f.code for f in fields}
    parts = splits(load_examples(corpus_dir, codes))
    extras = [(str(t), str(c)) for t, c in extra if c in codes and str(t).strip()]
    return [(e.text, e.code) for e in parts["train"]] + extras, parts["dev"]


def choose_auto_accept(
    confidence: Sequence[float], correct: Sequence[bool], target: float = TARGET_PRECISION, z: float = GUARD_Z
) -> float:
    """The lowest confidence threshold at which the predictions kept are at least `target` right,
    judged by the lower end of their Wilson interval with `z` (z=0: their plain share), so the
    most are auto-accepted; 1.0 when no threshold reaches it."""
    if not confidence:
        return DEFAULT_AUTO_ACCEPT
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    order = np.argsort(-conf, kind="stable")
    n = np.arange(1, len(ok) + 1)
    share = np.cumsum(ok[order]) / n
    denom = 1 + z * z / n
    lower = (share + z * z / (2 * n) - z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))) / denom
    best = 1.0
    for k in range(len(order)):
        # Only cut between distinct confidences, so the threshold keeps exactly the first k+1.
        if lower[k] >= target - 1e-12 and (k + 1 == len(order) or conf[order[k + 1]] < conf[order[k]]):
            best = float(conf[order[k]])
    return round(best, 4)


OutOfFold = list[tuple[str, float]]
"""(top field, confidence) of each line learnt, as a fit on the other folds predicted it."""


def _fit(
    examples: Sequence[tuple[str, str]], prior: KeywordPrior
) -> tuple[FeatureUnion, ProbabilisticModel, frozenset[str], OutOfFold | None]:
    texts: list[str] = []
    targets: list[str] = []
    groups: list[int] = []
    firsts: list[int] = []
    for i, (text, code) in enumerate(examples):
        firsts.append(len(texts))
        for form in variants(normalize(text)):
            texts.append(form)
            targets.append(code)
            groups.append(i)
    features = build_features()
    matrix = features.fit_transform(texts)
    model: ProbabilisticModel
    if min(Counter(targets).values()) >= 3:
        side = prior.scores(texts, sorted(set(targets)))
        model = CalibratedSVC(c=SVM_C, folds=5, scaler_c=SCALER_C).fit(matrix, targets, groups=groups, side=side)
    else:
        # Too few lines of a field for the calibration's folds: logistic regression calibrates itself.
        model = LogisticRegression(C=20.0, max_iter=2000).fit(matrix, targets)
    plain_words = features.transformer_list[1][1]
    # Words that let the model judge a message: not a number or a single letter, which occur in
    # training lines but alone ("1", "a" * 10.000, "<script>alert(1)</script>") say nothing of a field.
    known = frozenset(w for w in plain_words.vocabulary_ if " " not in w and len(w) > 1 and not w.isdigit())
    out_of_fold: OutOfFold | None = None
    if isinstance(model, CalibratedSVC) and model.oof_ is not None:
        # The line as written, not its copy without diacritics learnt beside it.
        top, confidence = model.oof_
        out_of_fold = [(str(top[j]), float(confidence[j])) for j in firsts]
        model.oof_ = None  # not saved with the model
    return features, model, known, out_of_fold


def _classifier(
    examples: Sequence[tuple[str, str]], prior: KeywordPrior, fields: Sequence[Field]
) -> tuple[Classifier, OutOfFold | None]:
    features, model, known, out_of_fold = _fit(examples, prior)
    classifier = Classifier(
        features,
        model,
        prior,
        known,
        taxonomy_hash(fields),
        compute_data_hash(examples),
        keyword_weight=KEYWORD_WEIGHT,
    )
    return classifier, out_of_fold


def train(
    corpus_dir: Path | None = None,
    fields: Sequence[Field] | Path | None = None,
    model_path: Path | None = DEFAULT_MODEL_PATH,
    extra: Sequence[tuple[str, str]] = (),
    *,
    progress: ProgressFn | None = None,
    refit_with_dev: bool | None = None,
) -> Classifier:
    """Fit on the train split plus `extra` (text, field code) pairs, e.g. organisers'
    corrections, and on dev (`refit_with_dev`, default `REFIT_WITH_DEV`; False keeps dev unseen,
    for measuring on it), choose the auto-accept threshold on the out-of-fold predictions of the
    lines learnt and save the artifact to `model_path` (unless it is None). The returned
    classifier carries those predictions as `out_of_fold` (confidence, right), not saved."""
    refit = REFIT_WITH_DEV if refit_with_dev is None else refit_with_dev
    say = progress or (lambda _step: None)
    started = time.perf_counter()
    field_list = _resolve_fields(fields)
    say("Đọc dữ liệu huấn luyện")
    examples, dev = training_examples(corpus_dir, field_list, extra)
    labels = sorted({code for _, code in examples})
    if len(labels) < 2:
        raise ModelError("Dữ liệu huấn luyện cần ít nhất hai lĩnh vực có câu hỏi mẫu.")
    learnt = examples + [(e.text, e.code) for e in dev] if refit else examples
    # A message about two concerns is right with either field (as `Example.accepts` scores it).
    also = {e.text: e.also for e in _labelled(corpus_dir, field_list) if e.also}
    say("Huấn luyện mô hình")
    prior = KeywordPrior(field_list)
    classifier, out_of_fold = _classifier(learnt, prior, field_list)
    if out_of_fold is not None:
        say("Chọn ngưỡng tự động chấp nhận")
        right = [top in (code, also.get(text)) for (text, code), (top, _) in zip(learnt, out_of_fold, strict=True)]
        confidence = [c for _, c in out_of_fold]
        classifier.auto_accept = choose_auto_accept(confidence, right)
        classifier.out_of_fold = (confidence, right)
    classifier.meta = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "examples": len(learnt),
        "train_examples": len(examples),
        "refit_with_dev": bool(dev) and refit,
        "extra_examples": len(extra),
        "dev_examples": len(dev),
        "threshold_examples": 0 if out_of_fold is None else len(out_of_fold),
        "fields_without_examples": sorted({f.code for f in field_list} - set(labels)),
        "seconds": round(time.perf_counter() - started, 2),
    }
    if model_path is not None:
        say("Lưu mô hình")
        classifier.save(Path(model_path))
    return classifier


def _labelled(corpus_dir: Path | None, fields: Sequence[Field]) -> list[Example]:
    return load_examples(corpus_dir, {f.code for f in fields})


_cache: dict[tuple[str, int, str], Classifier] = {}
_cache_lock = threading.Lock()


def load_or_train(
    model_path: Path,
    fields_path: Path | None = None,
    corpus_dir: Path | None = None,
) -> Classifier:
    """The classifier saved at `model_path`, trained and saved first if the file is missing or was
    written by another version.

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
            try:
                cached = Classifier.load(model_path)
            except ModelOutdated:
                _log.warning("retraining the classifier: %s was written by another version", model_path)
                cached = train(corpus_dir, fields, model_path)
                key = (str(model_path.resolve()), model_path.stat().st_mtime_ns, wanted)
            if cached.taxonomy_hash != wanted:
                raise ModelMismatch(
                    "Mô hình phân loại được huấn luyện cho một danh mục lĩnh vực khác; "
                    "hãy chạy `doithoai train` để huấn luyện lại."
                )
            _cache.clear()
            _cache[key] = cached
        return cached

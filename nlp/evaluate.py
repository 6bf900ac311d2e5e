"""Evaluation of the field classifier on the test split (never trained or tuned on): lenient
macro-F1, accuracy and top-2 with 95% intervals, overall, by how the line was typed, on the
intake-like subset, under a balanced and a realistic mix of fields, the share auto-accepted at
the threshold chosen on out-of-fold predictions of train and dev, and a keyword-rule baseline
beside it."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from nlp.corpus import Example, load_examples, splits
from nlp.fields import Field
from nlp.keywords import KeywordClassifier
from nlp.metrics import largest_share_at, lenient_gold, macro_f1, macro_f1_interval, weighted_share, wilson
from nlp.model import Classifier, Prediction
from nlp.text import has_diacritics, normalize, strip_diacritics

__all__ = ["evaluate", "field_prior", "format_report", "load_splits", "plot_confusion", "underthesea_macro_f1"]


def field_prior(path: Path | None = None) -> dict[str, float]:
    """The realistic mix of fields (`nlp/data/field_prior.toml`), rescaled to sum to 1."""
    path = Path(__file__).resolve().parent / "data" / "field_prior.toml" if path is None else path
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    shares = {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float)) and v > 0}
    total = sum(shares.values()) or 1.0
    return {k: v / total for k, v in shares.items()}


def load_splits(corpus_dir: Path | None, fields: Sequence[Field]) -> dict[str, list[Example]]:
    return splits(load_examples(corpus_dir, [f.code for f in fields]))


def _block(examples: Sequence[Example], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Lenient scores of predictions for examples, with 95% intervals."""
    n = len(examples)
    if not n:
        return {"n": 0}
    pred = [p.field for p in preds]
    gold = lenient_gold([e.code for e in examples], [e.also for e in examples], pred)
    right = sum(g == p for g, p in zip(gold, pred, strict=True))
    top2 = sum(any(e.accepts(c) for c, _ in p.alternatives[:2]) for e, p in zip(examples, preds, strict=True))
    auto = [not p.needs_review for p in preds]
    auto_right = sum(a and g == p for a, g, p in zip(auto, gold, pred, strict=True))
    correct = [g == p for g, p in zip(gold, pred, strict=True)]
    return {
        "n": n,
        "macro_f1": macro_f1(gold, pred),
        "macro_f1_ci": macro_f1_interval(gold, pred),
        "accuracy": round(right / n, 4),
        "accuracy_ci": wilson(right, n),
        "top2": round(top2 / n, 4),
        "top2_ci": wilson(top2, n),
        "auto_share": round(sum(auto) / n, 4),
        "auto_share_ci": wilson(sum(auto), n),
        "auto_precision": round(auto_right / sum(auto), 4) if any(auto) else 0.0,
        "auto_precision_ci": wilson(auto_right, sum(auto)),
        # Threshold-free: the most confident lines, as many as can be taken still 97% right.
        "share_at_97": largest_share_at([p.confidence for p in preds], correct),
    }


def _views(examples: Sequence[Example], preds: Sequence[Prediction], prior: Mapping[str, float]) -> dict[str, Any]:
    """The same predictions with every field weighing the same, and mixed as in `prior`."""
    pred = [p.field for p in preds]
    gold = lenient_gold([e.code for e in examples], [e.also for e in examples], pred)
    right = [g == p for g, p in zip(gold, pred, strict=True)]
    auto = [not p.needs_review for p in preds]
    codes = sorted({e.code for e in examples})
    recall = [np.mean([r for r, e in zip(right, examples, strict=True) if e.code == c]) for c in codes]
    by_code = [e.code for e in examples]
    balanced_weights = [1.0 / by_code.count(c) for c in by_code]
    auto_share = weighted_share(auto, by_code, prior)
    auto_right = weighted_share([a and r for a, r in zip(auto, right, strict=True)], by_code, prior)
    return {
        "balanced": {
            "macro_f1": macro_f1(gold, pred, balanced_weights),
            "balanced_accuracy": round(float(np.mean(recall)), 4) if recall else 0.0,
        },
        "realistic_prior": {
            "accuracy": weighted_share(right, by_code, prior),
            "auto_share": auto_share,
            "auto_precision": round(auto_right / auto_share, 4) if auto_share else 0.0,
        },
    }


def evaluate(
    classifier: Classifier,
    test: Sequence[Example],
    fields: Sequence[Field],
    *,
    split_sizes: Mapping[str, int] | None = None,
    prior: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The report on `test` (see the module docstring)."""
    labels = [f.code for f in fields]
    prior = field_prior() if prior is None else prior
    texts = [e.text for e in test]
    started = time.perf_counter()
    preds = classifier.predict_many(texts)
    seconds = time.perf_counter() - started
    stripped = classifier.predict_many([strip_diacritics(normalize(t)) for t in texts])
    marked = [has_diacritics(normalize(t)) for t in texts]

    def pick(flag: Any, forms: Sequence[Prediction] = preds) -> dict[str, Any]:
        idx = [i for i in range(len(test)) if flag(i)]
        return _block([test[i] for i in idx], [forms[i] for i in idx])

    model = {
        "overall": pick(lambda _i: True),
        "with_diacritics": pick(lambda i: marked[i]),
        "without_diacritics": pick(lambda i: not marked[i]),
        "all_lines_stripped": pick(lambda _i: True, stripped),
        "intake": pick(lambda i: test[i].intake),
        "intake_stripped": pick(lambda i: test[i].intake, stripped),
        "ms_per_question_batch": round(1000 * seconds / max(1, len(texts)), 3),
    }
    pred = [p.field for p in preds]
    gold = lenient_gold([e.code for e in test], [e.also for e in test], pred)
    present = [c for c in labels if c in set(gold) | set(pred)]
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=present, zero_division=0)
    keywords = KeywordClassifier(fields)
    base = [keywords.predict(t) for t in texts]
    base_gold = lenient_gold([e.code for e in test], [e.also for e in test], base)
    intake_idx = [i for i, e in enumerate(test) if e.intake]
    return {
        "splits": dict(split_sizes or {}),
        "test": len(test),
        "auto_accept": classifier.auto_accept,
        "model": model,
        **_views(test, preds, prior),
        "keyword_baseline": {
            "overall": {"macro_f1": macro_f1(base_gold, base)},
            "intake": {"macro_f1": macro_f1([base_gold[i] for i in intake_idx], [base[i] for i in intake_idx])},
        },
        "per_field": {
            code: {"precision": round(float(p[k]), 4), "recall": round(float(r[k]), 4), "f1": round(float(f[k]), 4),
                   "support": int(s[k])}
            for k, code in enumerate(present)
        },
        "confusion": {"labels": present, "overall": confusion_matrix(gold, pred, labels=present).tolist()},
        "classifier": {"taxonomy_hash": classifier.taxonomy_hash, "data_hash": classifier.data_hash},
    }


def underthesea_macro_f1(train: Sequence[Example], test: Sequence[Example]) -> dict[str, Any]:
    """underthesea_core's Rust TF-IDF + linear SVM trained on the same lines, for comparison."""
    from underthesea_core import TextClassifier

    texts: list[str] = []
    targets: list[str] = []
    for e in train:
        norm = normalize(e.text)
        texts += [norm, strip_diacritics(norm)]
        targets += [e.code, e.code]
    model = TextClassifier(max_features=50000, ngram_range=(1, 2))
    started = time.perf_counter()
    model.fit(texts, targets)
    pred = [str(x) for x in model.predict_batch([normalize(e.text) for e in test])]
    gold = lenient_gold([e.code for e in test], [e.also for e in test], pred)
    return {"fit_seconds": round(time.perf_counter() - started, 3), "macro_f1": macro_f1(gold, pred)}


def plot_confusion(report: dict[str, Any], path: Path) -> Path | None:
    """Write the test split's confusion matrix as a PNG."""
    matrix = report["confusion"].get("overall") or []
    labels = report["confusion"]["labels"]
    if not matrix:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = np.asarray(matrix, dtype=float)
    rows = data.sum(axis=1, keepdims=True)
    share = np.divide(data, rows, out=np.zeros_like(data), where=rows > 0)
    size = max(6.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("Dự đoán (predicted)")
    ax.set_ylabel("Đúng (gold)")
    ax.set_title(f"Ma trận nhầm lẫn — tập kiểm tra (n={int(data.sum())})")
    for (i, j), value in np.ndenumerate(data):
        if value:
            color = "white" if share[i, j] > 0.5 else "black"
            ax.text(j, i, str(int(value)), ha="center", va="center", fontsize=7, color=color)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _ci(pair: Sequence[float]) -> str:
    return f"[{pair[0]:.3f}–{pair[1]:.3f}]"


def format_report(report: dict[str, Any]) -> str:
    """A short plain-text table of the figures."""
    m = report["model"]
    sizes = report.get("splits") or {}
    lines = [
        "splits: " + ", ".join(f"{k} {v}" for k, v in sizes.items()) + f"; scored on test ({report['test']} lines)",
        f"{'test subset':22}{'n':>5}{'macro-F1 [95% CI]':>24}{'accuracy [95% CI]':>24}"
        f"{'top-2':>8}{'auto':>7}{'auto P':>8}{'at 97%':>8}",
    ]
    for name in ("overall", "with_diacritics", "without_diacritics", "all_lines_stripped", "intake", "intake_stripped"):
        s = m[name]
        if not s.get("n"):
            continue
        lines.append(
            f"{name:22}{s['n']:>5}{s['macro_f1']:>8.3f} {_ci(s['macro_f1_ci']):>15}"
            f"{s['accuracy']:>8.3f} {_ci(s['accuracy_ci']):>15}{s['top2']:>8.3f}{s['auto_share']:>7.3f}"
            f"{s['auto_precision']:>8.3f}{s['share_at_97']:>8.3f}"
        )
    o = m["overall"]
    b, r = report["balanced"], report["realistic_prior"]
    lines += [
        f"auto-accept threshold {report['auto_accept']:.3f} (chosen out of fold on train and dev): "
        f"{o['auto_share']:.1%} of test "
        f"auto-accepted {_ci(o['auto_share_ci'])}, {o['auto_precision']:.1%} of them right "
        f"{_ci(o['auto_precision_ci'])}",
        f"balanced view: macro-F1 {b['macro_f1']:.3f}, balanced accuracy {b['balanced_accuracy']:.3f}",
        f"realistic prior: accuracy {r['accuracy']:.3f}, auto-accepted {r['auto_share']:.1%}, "
        f"precision of auto-accepted {r['auto_precision']:.1%}",
        f"keyword rules: macro-F1 {report['keyword_baseline']['overall']['macro_f1']:.3f} "
        f"(intake {report['keyword_baseline']['intake']['macro_f1']:.3f})",
        f"{'field':22}{'P':>7}{'R':>7}{'F1':>7}{'n':>5}",
    ]
    for code, s in report["per_field"].items():
        lines.append(f"{code:22}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}{s['support']:>5}")
    return "\n".join(lines)

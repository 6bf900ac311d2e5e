"""Evaluation on the held-out split: the trained model beside a keyword-rule baseline and
underthesea_core's TextClassifier, overall and for lines with and without diacritics."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from nlp.classify import Classifier
from nlp.corpus import load_corpus, split
from nlp.fields import Field
from nlp.keywords import KeywordClassifier
from nlp.normalize import has_diacritics, normalize, strip_diacritics

__all__ = ["evaluate", "format_report", "heldout_examples", "plot_confusion", "underthesea_macro_f1"]

Example = tuple[str, str]


def _scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    if not gold:
        return {"n": 0, "macro_f1": 0.0, "accuracy": 0.0}
    present = [c for c in labels if c in set(gold) | set(pred)]
    return {
        "n": len(gold),
        "macro_f1": round(float(f1_score(gold, pred, labels=present, average="macro", zero_division=0)), 4),
        "accuracy": round(float(np.mean([g == p for g, p in zip(gold, pred, strict=True)])), 4),
    }


def _top2(gold: Sequence[str], alternatives: Sequence[Sequence[tuple[str, float]]]) -> float:
    if not gold:
        return 0.0
    hits = [g in [code for code, _ in alts[:2]] for g, alts in zip(gold, alternatives, strict=True)]
    return round(float(np.mean(hits)), 4)


def evaluate(
    classifier: Classifier,
    heldout: Sequence[Example],
    fields: Sequence[Field],
    train_examples: Sequence[Example] | None = None,
) -> dict[str, Any]:
    """Scores on `heldout`; with `train_examples` underthesea_core's TextClassifier is trained on
    them and scored too."""
    labels = [f.code for f in fields]
    texts = [t for t, _ in heldout]
    gold = [c for _, c in heldout]
    marked = [has_diacritics(normalize(t)) for t in texts]
    started = time.perf_counter()
    preds = classifier.predict_many(texts)
    seconds = time.perf_counter() - started
    pred = [p.field for p in preds]
    alts = [p.alternatives for p in preds]
    stripped = classifier.predict_many([strip_diacritics(t) for t in texts])
    keywords = KeywordClassifier(fields)
    base = [keywords.predict(t) for t in texts]

    def subset(flag: bool | None) -> list[int]:
        return [i for i in range(len(texts)) if flag is None or marked[i] == flag]

    def block(pred_list: Sequence[str], idx: list[int], with_top2: bool) -> dict[str, float]:
        g = [gold[i] for i in idx]
        out = _scores(g, [pred_list[i] for i in idx], labels)
        if with_top2:
            out["top2"] = _top2(g, [alts[i] for i in idx])
        return out

    model: dict[str, Any] = {
        name: block(pred, subset(flag), True)
        for name, flag in (("overall", None), ("with_diacritics", True), ("without_diacritics", False))
    }
    model["all_lines_stripped"] = _scores(gold, [p.field for p in stripped], labels)
    model["review_rate"] = round(float(np.mean([p.needs_review for p in preds])) if preds else 0.0, 4)
    confident = [i for i, p in enumerate(preds) if not p.needs_review]
    model["accuracy_when_not_flagged"] = (
        round(float(np.mean([pred[i] == gold[i] for i in confident])), 4) if confident else 0.0
    )
    model["calibration_error"] = _expected_calibration_error(
        [p.confidence for p in preds], [pred[i] == gold[i] for i in range(len(gold))]
    )
    model["ms_per_question_batch"] = round(1000 * seconds / max(1, len(texts)), 3)
    present = [c for c in labels if c in set(gold) | set(pred)]
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=present, zero_division=0)
    per_field = {
        code: {
            "precision": round(float(p[k]), 4),
            "recall": round(float(r[k]), 4),
            "f1": round(float(f[k]), 4),
            "support": int(s[k]),
        }
        for k, code in enumerate(present)
    }
    report: dict[str, Any] = {
        "heldout": len(texts),
        "model": model,
        "keyword_baseline": {
            name: _scores([gold[i] for i in subset(flag)], [base[i] for i in subset(flag)], labels)
            for name, flag in (("overall", None), ("with_diacritics", True), ("without_diacritics", False))
        },
        "per_field": per_field,
        "confusion": _confusions(gold, pred, marked, present),
        "classifier": {"taxonomy_hash": classifier.taxonomy_hash, "data_hash": classifier.data_hash},
    }
    if train_examples is not None:
        report["underthesea_core"] = underthesea_macro_f1(train_examples, heldout, labels, marked)
    return report


def _expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Mean |accuracy - confidence| over 10 confidence bins, weighted by bin size."""
    if not confidence:
        return 0.0
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(ok[mask].mean() - conf[mask].mean())
    return round(total / len(conf), 4)


def _confusions(
    gold: Sequence[str], pred: Sequence[str], marked: Sequence[bool], labels: Sequence[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {"labels": list(labels)}
    for name, flag in (("overall", None), ("with_diacritics", True), ("without_diacritics", False)):
        idx = [i for i in range(len(gold)) if flag is None or marked[i] == flag]
        g = [gold[i] for i in idx]
        p = [pred[i] for i in idx]
        out[name] = confusion_matrix(g, p, labels=list(labels)).tolist() if idx else []
    return out


def underthesea_macro_f1(
    train_examples: Sequence[Example],
    heldout: Sequence[Example],
    labels: Sequence[str],
    marked: Sequence[bool],
) -> dict[str, Any]:
    """underthesea_core's Rust TF-IDF + linear SVM, trained on the same (augmented) lines."""
    try:
        from underthesea_core import TextClassifier
    except ImportError:  # pragma: no cover
        return {"available": False}
    texts: list[str] = []
    targets: list[str] = []
    for text, code in train_examples:
        norm = normalize(text)
        texts += [norm, strip_diacritics(norm)]
        targets += [code, code]
    model = TextClassifier(max_features=50000, ngram_range=(1, 2))
    started = time.perf_counter()
    model.fit(texts, targets)
    fit_seconds = time.perf_counter() - started
    pred = [str(x) for x in model.predict_batch([normalize(t) for t, _ in heldout])]
    gold = [c for _, c in heldout]
    out: dict[str, Any] = {"available": True, "fit_seconds": round(fit_seconds, 3)}
    for name, flag in (("overall", None), ("with_diacritics", True), ("without_diacritics", False)):
        idx = [i for i in range(len(gold)) if flag is None or marked[i] == flag]
        out[name] = _scores([gold[i] for i in idx], [pred[i] for i in idx], labels)
    return out


def heldout_examples(corpus_dir: Path | None, fields: Sequence[Field]) -> tuple[list[Example], list[Example]]:
    """(train split, held-out split) of the corpus for the taxonomy's codes."""
    return split(load_corpus(corpus_dir, [f.code for f in fields]))


def plot_confusion(report: dict[str, Any], path: Path, subset: str = "overall") -> Path | None:
    """Write the confusion matrix of `subset` (overall / with_diacritics / without_diacritics)."""
    matrix = report["confusion"].get(subset) or []
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
    names = {
        "overall": "tất cả",
        "with_diacritics": "có dấu",
        "without_diacritics": "không dấu",
    }
    ax.set_title(f"Ma trận nhầm lẫn — {names.get(subset, subset)} (n={int(data.sum())})")
    for (i, j), value in np.ndenumerate(data):
        if value:
            ax.text(
                j,
                i,
                str(int(value)),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if share[i, j] > 0.5 else "black",
            )
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def format_report(report: dict[str, Any]) -> str:
    """A short plain-text table of the figures."""
    m = report["model"]
    b = report["keyword_baseline"]
    u = report.get("underthesea_core") or {}
    lines = [
        f"held-out lines: {report['heldout']}",
        f"{'':24}{'macro-F1':>10}{'accuracy':>10}{'top-2':>8}{'n':>7}",
    ]
    for name in ("overall", "with_diacritics", "without_diacritics"):
        s = m[name]
        lines.append(
            f"{'model ' + name:24}{s['macro_f1']:>10.3f}{s['accuracy']:>10.3f}{s.get('top2', 0):>8.3f}{s['n']:>7}"
        )
    s = m["all_lines_stripped"]
    lines.append(f"{'model all stripped':24}{s['macro_f1']:>10.3f}{s['accuracy']:>10.3f}{'':>8}{s['n']:>7}")
    for name in ("overall", "without_diacritics"):
        s = b[name]
        lines.append(f"{'keywords ' + name:24}{s['macro_f1']:>10.3f}{s['accuracy']:>10.3f}{'':>8}{s['n']:>7}")
    if u.get("available"):
        for name in ("overall", "without_diacritics"):
            s = u[name]
            lines.append(f"{'underthesea ' + name:24}{s['macro_f1']:>10.3f}{s['accuracy']:>10.3f}{'':>8}{s['n']:>7}")
    lines.append(
        f"review rate {m['review_rate']:.3f}, accuracy when not flagged {m['accuracy_when_not_flagged']:.3f}, "
        f"calibration error {m['calibration_error']:.3f}"
    )
    lines.append(f"{'field':22}{'P':>7}{'R':>7}{'F1':>7}{'n':>5}")
    for code, s in report["per_field"].items():
        lines.append(f"{code:22}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}{s['support']:>5}")
    return "\n".join(lines)

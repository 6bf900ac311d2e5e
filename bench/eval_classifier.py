"""Evaluation of the field classifier and the duplicate finder: trains on the train split, picks
the auto-accept threshold on dev, scores the test split (never trained or tuned on) with 95%
intervals, the intake-like subset, a balanced and a realistic-prior view, beside a keyword-rule
baseline and underthesea_core's TextClassifier; then the duplicate suggestions and automatic
grouping on the labelled paraphrase groups. Writes the confusion matrix as PNG.

`--dev` instead scores the model fitted on train only on the dev split: macro-F1, top-2, the
largest share of dev whose precision is at least 97% when taken from the most confident down
(threshold-free, as the independent check measures it), and the share auto-accepted at the
threshold (chosen, as for the saved model, on the out-of-fold predictions of the lines learnt)
with its precision. `--sweep` does the same for the model's settings (C of the SVM, C of the
calibration stacking it with the keyword prior, weight of the character n-grams), which is how the
constants in `nlp/classify.py` and `nlp/features.py` were chosen. `--guard` shows, for each guard
z of the threshold, the dev share and precision auto-accepted and how often a random draw of 350
dev messages (the size of an independent check) is auto-accepted at under 97%: how `GUARD_Z` was
chosen.

Usage: python bench/eval_classifier.py [--out DIR] [--dev] [--sweep] [--guard]
Prints one JSON line, then a short table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from nlp import classify, features
from nlp.corpus import Example
from nlp.duplicate_eval import default_groups_path, evaluate_duplicates, format_duplicates, load_groups
from nlp.evaluate import evaluate, format_report, load_splits, plot_confusion, underthesea_macro_f1
from nlp.fields import load_fields
from nlp.metrics import largest_share_at, lenient_gold, macro_f1
from nlp.text import normalize, strip_diacritics


def dev_scores(clf: classify.Classifier, dev: list[Example]) -> dict[str, Any]:
    """The dev figures of a classifier fitted on train only (see the module docstring)."""
    preds = clf.predict_many([e.text for e in dev])
    pred = [p.field for p in preds]
    gold = lenient_gold([e.code for e in dev], [e.also for e in dev], pred)
    pairs = list(zip(dev, preds, strict=True))
    right = [e.accepts(p.field) for e, p in pairs]
    confidence = [p.confidence for p in preds]
    top2 = sum(any(e.accepts(code) for code, _ in p.alternatives[:2]) for e, p in pairs)
    auto = [p.confidence >= clf.auto_accept for p in preds]
    kept_right = sum(a and r for a, r in zip(auto, right, strict=True))
    stripped = [p.field for p in clf.predict_many([strip_diacritics(normalize(e.text)) for e in dev])]
    stripped_gold = lenient_gold([e.code for e in dev], [e.also for e in dev], stripped)
    intake = [i for i, e in enumerate(dev) if e.intake]
    return {
        "lines": len(dev),
        "accuracy": round(sum(right) / len(dev), 4),
        "macro_f1": macro_f1(gold, pred),
        "macro_f1_stripped": macro_f1(stripped_gold, stripped),
        "top2": round(top2 / len(dev), 4),
        "share_at_97": largest_share_at(confidence, right),
        "intake_lines": len(intake),
        "intake_share_at_97": largest_share_at([confidence[i] for i in intake], [right[i] for i in intake]),
        "threshold": clf.auto_accept,
        "auto_share": round(sum(auto) / len(dev), 4),
        "auto_precision": round(kept_right / max(1, sum(auto)), 4),
    }


def _dev_line(name: str, row: dict[str, Any]) -> str:
    return (
        f"{name:36}acc {row['accuracy']:.3f}  macro-F1 {row['macro_f1']:.3f} (stripped {row['macro_f1_stripped']:.3f})"
        f"  top-2 {row['top2']:.3f}  share at 97% {row['share_at_97']:.3f} (intake {row['intake_share_at_97']:.3f})"
        f"  threshold {row['threshold']:.3f}: auto {row['auto_share']:.3f} at {row['auto_precision']:.3f}"
    )


def sweep(corpus: Path | None, fields_path: Path | None, only_current: bool = False) -> dict[str, Any]:
    """`dev_scores` for each (C of the SVM, C of the calibration stacking it with the keyword
    prior, weight of the character n-grams); `only_current`: the current settings alone."""
    fields = load_fields(fields_path)
    dev = load_splits(corpus, fields)["dev"]
    rows: dict[str, Any] = {}
    defaults = classify.SVM_C, classify.SCALER_C, features.CHAR_WEIGHT
    grid = [defaults] if only_current else [
        (c, scaler_c, chars) for c in (0.3, 1.0) for scaler_c in (0.3, 1.0) for chars in (0.5, 1.0)
    ]
    try:
        for c, scaler_c, chars in grid:
            classify.SVM_C, classify.SCALER_C, features.CHAR_WEIGHT = c, scaler_c, chars
            clf = classify.train(corpus, fields, None, refit_with_dev=False)
            rows[f"C={c} scaler C={scaler_c} chars={chars}"] = dev_scores(clf, dev)
    finally:
        classify.SVM_C, classify.SCALER_C, features.CHAR_WEIGHT = defaults
    return {"bench": "eval_classifier_dev", "dev_lines": len(dev), "settings": rows}


GUARD_DRAW = 350
"""Messages in one random draw of dev for `--guard` (the size of an independent check)."""
GUARD_DRAWS = 2000


def guard(corpus: Path | None, fields_path: Path | None) -> dict[str, Any]:
    """For each guard z: the threshold chosen with it on the out-of-fold predictions of train, the
    share of dev auto-accepted at it and their precision, and the share of random draws of
    `GUARD_DRAW` dev messages auto-accepted at under 97%."""
    fields = load_fields(fields_path)
    dev = load_splits(corpus, fields)["dev"]
    clf = classify.train(corpus, fields, None, refit_with_dev=False)
    if clf.out_of_fold is None:
        raise SystemExit("the model has no out-of-fold predictions to choose a threshold on")
    confidence, right = clf.out_of_fold
    preds = clf.predict_many([e.text for e in dev])
    dev_conf = np.asarray([p.confidence for p in preds])
    dev_right = np.asarray([e.accepts(p.field) for e, p in zip(dev, preds, strict=True)])
    rng = np.random.default_rng(20261201)
    draws = [rng.choice(len(dev), min(GUARD_DRAW, len(dev)), replace=False) for _ in range(GUARD_DRAWS)]
    rows: dict[str, Any] = {}
    for z in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        threshold = classify.choose_auto_accept(confidence, right, z=z)
        kept = dev_conf >= threshold
        under = [
            bool(kept[d].any()) and float(dev_right[d][kept[d]].mean()) < classify.TARGET_PRECISION for d in draws
        ]
        rows[f"z={z}"] = {
            "threshold": threshold,
            "auto_share": round(float(kept.mean()), 4),
            "auto_precision": round(float(dev_right[kept].mean()), 4) if kept.any() else 0.0,
            "draws_under_97": round(sum(under) / len(draws), 4),
        }
    return {"bench": "eval_classifier_guard", "dev_lines": len(dev), "draw": GUARD_DRAW, "guards": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--fields", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="where the PNG goes")
    parser.add_argument("--dev", action="store_true", help="score the model fitted on train only on dev")
    parser.add_argument("--sweep", action="store_true", help="score the model's settings on dev")
    parser.add_argument("--guard", action="store_true", help="score the threshold's guard on dev")
    args = parser.parse_args()

    if args.guard:
        result = guard(args.corpus, args.fields)
        print(json.dumps(result, ensure_ascii=False))
        for name, row in result["guards"].items():
            print(
                f"{name:8}threshold {row['threshold']:.4f}: dev auto {row['auto_share']:.3f} at "
                f"{row['auto_precision']:.3f}; draws of {result['draw']} under 97%: {row['draws_under_97']:.3f}"
            )
        return

    if args.sweep or args.dev:
        result = sweep(args.corpus, args.fields, only_current=not args.sweep)
        print(json.dumps(result, ensure_ascii=False))
        for name, row in result["settings"].items():
            print(_dev_line(name, row))
        return

    fields = load_fields(args.fields)
    parts = load_splits(args.corpus, fields)
    started = time.perf_counter()
    classifier = classify.train(args.corpus, fields, None)
    train_seconds = time.perf_counter() - started
    report = evaluate(classifier, parts["test"], fields, split_sizes={k: len(v) for k, v in parts.items()})
    others = [e.text for e in parts["test"]]
    duplicates = {
        name: evaluate_duplicates(load_groups(default_groups_path(name)), distractors=others)
        for name in ("dev", "test")
    }
    png = plot_confusion(report, args.out / "confusion_test.png")
    model = report["model"]
    summary = {
        "bench": "eval_classifier",
        "splits": report["splits"],
        "train_seconds": round(train_seconds, 2),
        "auto_accept_threshold": classifier.auto_accept,
        **{
            f"{name}_macro_f1": [model[name]["macro_f1"], model[name]["macro_f1_ci"]]
            for name in ("overall", "without_diacritics", "all_lines_stripped", "intake", "intake_stripped")
        },
        "top2": [model["overall"]["top2"], model["overall"]["top2_ci"]],
        "auto_share": [model["overall"]["auto_share"], model["overall"]["auto_share_ci"]],
        "auto_precision": [model["overall"]["auto_precision"], model["overall"]["auto_precision_ci"]],
        "balanced": report["balanced"],
        "realistic_prior": report["realistic_prior"],
        "keyword_baseline_macro_f1": report["keyword_baseline"]["overall"]["macro_f1"],
        "underthesea_core": underthesea_macro_f1(parts["train"], parts["test"]),
        "duplicates": {
            name: {"similar": report_["similar"], "grouping": report_["grouping"]}
            for name, report_ in duplicates.items()
        },
        "png": str(png) if png else None,
    }
    print(json.dumps(summary, ensure_ascii=False))
    print(format_report(report))
    print(f"underthesea_core TextClassifier: macro-F1 {summary['underthesea_core']['macro_f1']:.3f}")
    for name, report_ in duplicates.items():
        print(format_duplicates(report_, name))


if __name__ == "__main__":
    main()

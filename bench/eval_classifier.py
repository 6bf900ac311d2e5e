"""Evaluation of the field classifier and the duplicate finder: trains on the train split, picks
the auto-accept threshold on dev, scores the test split (never trained or tuned on) with 95%
intervals, the intake-like subset, a balanced and a realistic-prior view, beside a keyword-rule
baseline and underthesea_core's TextClassifier; then the duplicate suggestions and automatic
grouping on the labelled paraphrase groups. Writes the confusion matrix as PNG.

`--sweep` instead scores the model's settings (C of the SVM, C of the calibration stacking it
with the keyword prior) on dev, which is how the constants in `nlp/classify.py` were chosen.

Usage: python bench/eval_classifier.py [--out DIR] [--sweep]
Prints one JSON line, then a short table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from nlp import classify
from nlp.duplicate_eval import default_groups_path, evaluate_duplicates, format_duplicates, load_groups
from nlp.evaluate import evaluate, format_report, load_splits, plot_confusion, underthesea_macro_f1
from nlp.fields import load_fields
from nlp.metrics import lenient_gold, macro_f1


def sweep(corpus: Path | None, fields_path: Path | None) -> dict[str, Any]:
    """Dev macro-F1, top-2 and the share auto-accepted at the target precision for each (C of the
    SVM, C of the calibration stacking it with the keyword prior)."""
    fields = load_fields(fields_path)
    dev = load_splits(corpus, fields)["dev"]
    rows: dict[str, Any] = {}
    defaults = classify.SVM_C, classify.SCALER_C
    try:
        for c in (0.3, 0.5, 1.0):
            for scaler_c in (0.1, 0.3, 1.0):
                classify.SVM_C, classify.SCALER_C = c, scaler_c
                clf = classify.train(corpus, fields, None)
                preds = clf.predict_many([e.text for e in dev])
                pred = [p.field for p in preds]
                gold = lenient_gold([e.code for e in dev], [e.also for e in dev], pred)
                pairs = list(zip(dev, preds, strict=True))
                right = [e.accepts(p.field) for e, p in pairs]
                top2 = sum(any(e.accepts(code) for code, _ in p.alternatives[:2]) for e, p in pairs)
                auto = [p.confidence >= clf.auto_accept for p in preds]
                kept_right = sum(a and r for a, r in zip(auto, right, strict=True))
                rows[f"C={c} scaler C={scaler_c}"] = {
                    "macro_f1": macro_f1(gold, pred),
                    "top2": round(top2 / len(dev), 4),
                    "auto_share": round(sum(auto) / len(dev), 4),
                    "auto_precision": round(kept_right / max(1, sum(auto)), 4),
                }
    finally:
        classify.SVM_C, classify.SCALER_C = defaults
    return {"bench": "eval_classifier_sweep", "dev_lines": len(dev), "settings": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--fields", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="where the PNG goes")
    parser.add_argument("--sweep", action="store_true", help="score the ensemble's settings on dev")
    args = parser.parse_args()

    if args.sweep:
        result = sweep(args.corpus, args.fields)
        print(json.dumps(result, ensure_ascii=False))
        for name, row in result["settings"].items():
            print(f"{name:24}macro-F1 {row['macro_f1']:.3f}  top-2 {row['top2']:.3f}  "
                  f"auto {row['auto_share']:.3f} at {row['auto_precision']:.3f}")
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

"""Held-out evaluation of the field classifier: trains on the training split (the held-out
lines are never seen), then reports macro-F1, top-2 accuracy and per-field precision/recall,
with and without diacritics, beside a keyword-rule baseline and underthesea_core's
TextClassifier, and writes the confusion matrices as PNG.

Usage: python bench/eval_classifier.py [--out DIR]
Prints one JSON line, then a short table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from nlp.classify import train
from nlp.evaluate import evaluate, format_report, heldout_examples, plot_confusion
from nlp.fields import load_fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--fields", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="where the PNGs go")
    args = parser.parse_args()

    fields = load_fields(args.fields)
    train_split, heldout = heldout_examples(args.corpus, fields)
    started = time.perf_counter()
    classifier = train(args.corpus, fields, None)
    train_seconds = time.perf_counter() - started
    report = evaluate(classifier, heldout, fields, train_examples=train_split)
    pngs = [
        plot_confusion(report, args.out / f"confusion_{name}.png", name)
        for name in ("overall", "with_diacritics", "without_diacritics")
    ]
    model = report["model"]
    summary = {
        "bench": "eval_classifier",
        "train_lines": len(train_split),
        "heldout_lines": len(heldout),
        "train_seconds": round(train_seconds, 2),
        "macro_f1": model["overall"]["macro_f1"],
        "macro_f1_with_diacritics": model["with_diacritics"]["macro_f1"],
        "macro_f1_without_diacritics": model["without_diacritics"]["macro_f1"],
        "macro_f1_all_lines_stripped": model["all_lines_stripped"]["macro_f1"],
        "top2_accuracy": model["overall"]["top2"],
        "review_rate": model["review_rate"],
        "calibration_error": model["calibration_error"],
        "keyword_baseline_macro_f1": report["keyword_baseline"]["overall"]["macro_f1"],
        "underthesea_core_macro_f1": (report.get("underthesea_core") or {}).get("overall", {}).get("macro_f1"),
        "png": [str(p) for p in pngs if p is not None],
    }
    print(json.dumps(summary, ensure_ascii=False))
    print(format_report(report))


if __name__ == "__main__":
    main()

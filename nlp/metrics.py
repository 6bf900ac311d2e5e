"""Scores with their uncertainty: lenient macro-F1 with a bootstrap interval, proportions with a
Wilson interval, and the same under another mix of fields (a realistic prior)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["largest_share_at", "lenient_gold", "macro_f1", "macro_f1_interval", "weighted_share", "wilson"]

_Z = 1.959964
BOOTSTRAP_ROUNDS = 1000


def wilson(hits: float, n: float) -> tuple[float, float]:
    """95% Wilson score interval of a proportion `hits / n` (n may be a weighted count)."""
    if n <= 0:
        return (0.0, 0.0)
    p = hits / n
    denom = 1 + _Z**2 / n
    centre = (p + _Z**2 / (2 * n)) / denom
    half = _Z * math.sqrt(p * (1 - p) / n + _Z**2 / (4 * n * n)) / denom
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def lenient_gold(gold: Sequence[str], also: Sequence[str | None], pred: Sequence[str]) -> list[str]:
    """The gold field of each line, or the prediction when it is the line's second acceptable field."""
    return [p if p == a else g for g, a, p in zip(gold, also, pred, strict=True)]


def _encode(gold: Sequence[str], pred: Sequence[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
    labels = sorted(set(gold) | set(pred))
    index = {c: i for i, c in enumerate(labels)}
    return (
        np.asarray([index[c] for c in gold], dtype=np.int64),
        np.asarray([index[c] for c in pred], dtype=np.int64),
        len(labels),
    )


def _macro(
    g: np.ndarray[Any, Any], p: np.ndarray[Any, Any], k: int, weights: np.ndarray[Any, Any] | None = None
) -> float:
    w = np.ones(g.size) if weights is None else weights
    tp = np.bincount(g[g == p], weights=w[g == p], minlength=k)
    gold_n = np.bincount(g, weights=w, minlength=k)
    pred_n = np.bincount(p, weights=w, minlength=k)
    present = (gold_n + pred_n) > 0
    denom = gold_n + pred_n
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    return float(f1[present].mean()) if present.any() else 0.0


def macro_f1(gold: Sequence[str], pred: Sequence[str], weights: Sequence[float] | None = None) -> float:
    """Macro-F1 over the fields present in gold or predictions; `weights` weigh the lines."""
    if not gold:
        return 0.0
    g, p, k = _encode(gold, pred)
    return round(_macro(g, p, k, None if weights is None else np.asarray(weights, dtype=float)), 4)


def macro_f1_interval(gold: Sequence[str], pred: Sequence[str], seed: int = 20261201) -> tuple[float, float]:
    """95% percentile bootstrap interval of the macro-F1 (lines resampled with replacement)."""
    if not gold:
        return (0.0, 0.0)
    g, p, k = _encode(gold, pred)
    rng = np.random.default_rng(seed)
    n = g.size
    values = [_macro(g[idx], p[idx], k) for idx in (rng.integers(0, n, n) for _ in range(BOOTSTRAP_ROUNDS))]
    low, high = np.percentile(values, [2.5, 97.5])
    return (round(float(low), 4), round(float(high), 4))


def weighted_share(flags: Sequence[bool], gold: Sequence[str], prior: Mapping[str, float]) -> float:
    """Share of lines where `flags` hold, each line weighted so that the fields are mixed as in
    `prior` instead of as in the sample."""
    if not flags:
        return 0.0
    counts: dict[str, int] = {}
    for code in gold:
        counts[code] = counts.get(code, 0) + 1
    weights = np.asarray([prior.get(code, 0.0) / counts[code] for code in gold])
    total = weights.sum()
    if total <= 0:
        return 0.0
    return round(float((weights * np.asarray(flags, dtype=float)).sum() / total), 4)


def largest_share_at(confidence: Sequence[float], correct: Sequence[bool], target: float = 0.97) -> float:
    """Threshold-free: the largest share of the lines, taken from the most confident down (never
    splitting lines of equal confidence), of which at least `target` are right."""
    if not confidence:
        return 0.0
    conf = np.asarray(confidence, dtype=float)
    order = np.argsort(-conf, kind="stable")
    ok = np.asarray(correct, dtype=float)[order]
    kept = np.arange(1, ok.size + 1)
    precise = np.cumsum(ok) >= target * kept - 1e-9
    ends = np.append(conf[order][1:] < conf[order][:-1], True)
    good = np.flatnonzero(precise & ends)
    return round(float(kept[good[-1]] / ok.size), 4) if good.size else 0.0

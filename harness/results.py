"""What a benchmark prints: one JSON line with every figure, then a short table with a row per backend."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return str(int(value))  # a count carried as a float
    return str(value)


def print_results(bench: str, results: Mapping[str, Mapping[str, Any] | None],
                  columns: Sequence[tuple[str, str]], **figures: Any) -> None:
    """`columns` are (heading, key) pairs; `figures` (goals, load average...) go into the JSON line
    before the results. A backend whose result is None (skipped) has no row in the table."""
    print(json.dumps({"bench": bench, **figures, **results}, ensure_ascii=False))
    widths = [max(len(heading), 7) + 2 for heading, _ in columns]
    print(f"{'backend':<12}" + "".join(f"{heading:>{w}}" for (heading, _), w in zip(columns, widths, strict=True)))
    for name, result in results.items():
        if result:
            cells = (f"{_cell(result[key]):>{w}}" for (_, key), w in zip(columns, widths, strict=True))
            print(f"{name:<12}" + "".join(cells))

"""Evaluation of the two duplicate stages on the labelled paraphrase groups of
`nlp/data/duplicates/dev.txt`: suggestions (is a true duplicate first, in the top 3?) and
automatic grouping (pair precision, recall, F1, and the share of look-alike pairs merged)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from nlp.grouping import group
from nlp.metrics import wilson
from nlp.similar import similar_all
from nlp.text import normalize, strip_diacritics

__all__ = ["ParaphraseGroup", "evaluate_duplicates", "format_duplicates", "load_groups"]


@dataclass(frozen=True)
class ParaphraseGroup:
    place: str
    problem: str
    messages: tuple[str, ...]


def default_groups_path(split: str = "dev") -> Path:
    """`dev.txt` (tuned on) or `test.txt` (only reported)."""
    return Path(__file__).resolve().parent / "data" / "duplicates" / f"{split}.txt"


def load_groups(path: Path | None = None) -> list[ParaphraseGroup]:
    """Blocks headed `## place | problem`, one message a line."""
    groups: list[ParaphraseGroup] = []
    place = problem = ""
    messages: list[str] = []
    lines = (default_groups_path() if path is None else path).read_text(encoding="utf-8").splitlines()
    for raw in [*lines, "## end | end"]:
        line = raw.strip()
        if line.startswith("## "):
            if messages:
                groups.append(ParaphraseGroup(place, problem, tuple(messages)))
            head, _, tail = line[3:].partition("|")
            place, problem, messages = head.strip(), tail.strip(), []
        elif line and not line.startswith("#"):
            messages.append(line)
    return groups


def _items(groups: Sequence[ParaphraseGroup]) -> tuple[list[tuple[Hashable, str]], list[int]]:
    items: list[tuple[Hashable, str]] = []
    owner: list[int] = []
    for g, grp in enumerate(groups):
        for message in grp.messages:
            items.append((len(items), message))
            owner.append(g)
    return items, owner


def _suggestions(items: list[tuple[Hashable, str]], owner: list[int], n_real: int) -> dict[str, Any]:
    found = similar_all(items, top=3)
    first = top3 = asked = 0
    for pos in range(n_real):
        mates = {i for i in range(n_real) if owner[i] == owner[pos] and i != pos}
        if not mates:
            continue
        asked += 1
        ids = [int(str(cid)) for cid, _ in found[pos]]
        first += bool(ids) and ids[0] in mates
        top3 += any(i in mates for i in ids[:3])
    return {
        "messages": asked,
        "first": round(first / asked, 4) if asked else 0.0,
        "first_ci": wilson(first, asked),
        "top3": round(top3 / asked, 4) if asked else 0.0,
        "top3_ci": wilson(top3, asked),
    }


def _grouping(groups: Sequence[ParaphraseGroup], items: list[tuple[Hashable, str]], owner: list[int]) -> dict[str, Any]:
    hits = group(items)
    merged = [h.group for h in hits]
    tp = fp = fn = lookalike = lookalike_merged = 0
    for i, j in combinations(range(len(items)), 2):
        same, joined = owner[i] == owner[j], merged[i] == merged[j]
        tp += same and joined
        fp += joined and not same
        fn += same and not joined
        gi, gj = groups[owner[i]], groups[owner[j]]
        if not same and (gi.place == gj.place) != (gi.problem == gj.problem):
            lookalike += 1
            lookalike_merged += joined
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": tp + fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "lookalike_pairs": lookalike,
        "lookalike_merged": round(lookalike_merged / lookalike, 4) if lookalike else 0.0,
        "other_pairs_merged": fp - lookalike_merged,
    }


def evaluate_duplicates(
    groups: Sequence[ParaphraseGroup] | None = None, distractors: Sequence[str] = ()
) -> dict[str, Any]:
    """Suggestions ranked among the groups' messages plus `distractors` (other questions that
    duplicate none of them); grouping scored on the groups' messages alone."""
    groups = load_groups() if groups is None else list(groups)
    places = {strip_diacritics(g.place) for g in groups}
    # A distractor naming one of the groups' places might really duplicate a group: left out.
    distractors = [t for t in distractors if not any(p in strip_diacritics(normalize(t)) for p in places)]
    items, owner = _items(groups)
    n_real = len(items)
    pool = items + [(n_real + k, text) for k, text in enumerate(distractors)]
    owner_pool = owner + [-1 - k for k in range(len(distractors))]
    return {
        "groups": len(groups),
        "messages": n_real,
        "distractors": len(distractors),
        "similar": _suggestions(pool, owner_pool, n_real),
        "grouping": _grouping(groups, items, owner),
    }


def format_duplicates(report: dict[str, Any], name: str = "dev") -> str:
    """Two lines: the suggestions and the automatic grouping."""
    s, g = report["similar"], report["grouping"]
    return "\n".join(
        [
            f"duplicates, {name} ({report['groups']} paraphrase groups, {report['messages']} messages, "
            f"{report['distractors']} other questions): true duplicate first {s['first']:.1%} "
            f"[{s['first_ci'][0]:.1%}–{s['first_ci'][1]:.1%}], in top 3 {s['top3']:.1%} "
            f"[{s['top3_ci'][0]:.1%}–{s['top3_ci'][1]:.1%}]",
            f"automatic grouping: pair precision {g['precision']:.3f}, recall {g['recall']:.3f}, F1 {g['f1']:.3f}; "
            f"look-alike pairs merged {g['lookalike_merged']:.1%} of {g['lookalike_pairs']}",
        ]
    )

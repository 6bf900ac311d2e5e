"""The labelled corpus: `nlp/data/corpus/<field_code>.txt`, one question per line.

The held-out split is fixed by a hash of each line's key (normalised, diacritic-free, tokens
joined by one space), so a line and its copy typed without diacritics fall on the same side
and the split never changes when lines are added elsewhere. See `nlp/data/README.md`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from nlp.normalize import normalize, strip_diacritics, tokens

__all__ = [
    "HELDOUT_PERCENT",
    "data_hash",
    "default_corpus_dir",
    "is_heldout",
    "line_key",
    "load_corpus",
    "split",
]

HELDOUT_PERCENT = 20

Example = tuple[str, str]
"""(text, field code)"""


def default_corpus_dir() -> Path:
    return Path(__file__).resolve().parent / "data" / "corpus"


def line_key(text: str) -> str:
    return " ".join(tokens(strip_diacritics(normalize(text))))


def is_heldout(text: str) -> bool:
    digest = hashlib.blake2b(line_key(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100 < HELDOUT_PERCENT


def load_corpus(corpus_dir: Path | None = None, codes: Iterable[str] | None = None) -> list[Example]:
    """All labelled lines, in file then line order; blank lines, `#` comments and repeats of an
    earlier line's key are skipped. Files whose name is not in `codes` are ignored."""
    corpus_dir = default_corpus_dir() if corpus_dir is None else Path(corpus_dir)
    wanted = None if codes is None else set(codes)
    examples: list[Example] = []
    seen: set[str] = set()
    if not corpus_dir.is_dir():
        return examples
    for path in sorted(corpus_dir.glob("*.txt")):
        code = path.stem
        if wanted is not None and code not in wanted:
            continue
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key = line_key(line)
            if not key or key in seen:
                continue
            seen.add(key)
            examples.append((line, code))
    return examples


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(train, held-out)."""
    train: list[Example] = []
    heldout: list[Example] = []
    for example in examples:
        (heldout if is_heldout(example[0]) else train).append(example)
    return train, heldout


def data_hash(examples: Iterable[Example]) -> str:
    lines = sorted(f"{code}\t{text}" for text, code in examples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]

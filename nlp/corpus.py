"""The labelled corpus and its three fixed splits.

Two kinds of lines, one message per line, in files named after a field code:
- `nlp/data/corpus/<code>.txt`: questions in the register of minutes and petitions, and chat;
- `nlp/data/intake/<code>.txt`: messages as citizens type them to a bot (first person, informal,
  regional words, no diacritics, shorthand, several concerns). A line may end with a TAB and a
  second field code that is also an acceptable answer (a message about two concerns).

Each line falls in `train`, `dev` or `test` by a hash of its key (normalised, diacritic-free
tokens), so a line and its copy typed without diacritics land on the same side and adding lines
never moves others. Models are fitted on train, tuned on dev and reported on test. See
`nlp/data/README.md`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.text import normalize, strip_diacritics, tokens

__all__ = [
    "DEV_PERCENT",
    "TEST_PERCENT",
    "Example",
    "data_hash",
    "default_corpus_dir",
    "default_intake_dir",
    "line_key",
    "load_corpus",
    "load_examples",
    "split_of",
    "splits",
]

DEV_PERCENT = 15
TEST_PERCENT = 15


@dataclass(frozen=True)
class Example:
    text: str
    code: str
    also: str | None = None
    """A second acceptable field (lenient scoring)."""
    intake: bool = False
    """Written as a citizen types to a bot (from `nlp/data/intake`)."""

    def accepts(self, code: str) -> bool:
        return code == self.code or code == self.also


def default_corpus_dir() -> Path:
    return Path(__file__).resolve().parent / "data" / "corpus"


def default_intake_dir() -> Path:
    return Path(__file__).resolve().parent / "data" / "intake"


def line_key(text: str) -> str:
    return " ".join(tokens(strip_diacritics(normalize(text))))


def split_of(text: str) -> str:
    """'train', 'dev' or 'test', fixed by the line's key."""
    digest = hashlib.blake2b(line_key(text).encode("utf-8"), digest_size=8).digest()
    bucket = int.from_bytes(digest, "big") % 100
    if bucket < TEST_PERCENT:
        return "test"
    if bucket < TEST_PERCENT + DEV_PERCENT:
        return "dev"
    return "train"


def _read(directory: Path, wanted: set[str] | None, intake: bool, seen: set[str]) -> list[Example]:
    examples: list[Example] = []
    if not directory.is_dir():
        return examples
    for path in sorted(directory.glob("*.txt")):
        code = path.stem
        if wanted is not None and code not in wanted:
            continue
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            text, _, also = raw.partition("\t")
            text = text.strip()
            if not text or text.startswith("#"):
                continue
            key = line_key(text)
            if not key or key in seen:
                continue
            seen.add(key)
            second = also.strip() or None
            if second is not None and wanted is not None and second not in wanted:
                second = None
            examples.append(Example(text, code, second, intake))
    return examples


def load_examples(
    corpus_dir: Path | None = None, codes: Iterable[str] | None = None, intake_dir: Path | None = None
) -> list[Example]:
    """Every labelled line of the corpus, then of the intake files; blank lines, `#` comments and
    repeats of an earlier line's key are skipped, as are files whose name is not in `codes`.
    A custom `corpus_dir` comes without intake lines unless `intake_dir` is given too."""
    wanted = None if codes is None else set(codes)
    seen: set[str] = set()
    examples = _read(default_corpus_dir() if corpus_dir is None else Path(corpus_dir), wanted, False, seen)
    if intake_dir is None and corpus_dir is None:
        intake_dir = default_intake_dir()
    if intake_dir is not None:
        examples += _read(Path(intake_dir), wanted, True, seen)
    return examples


def load_corpus(corpus_dir: Path | None = None, codes: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(text, field code) of every line, as `load_examples`."""
    return [(e.text, e.code) for e in load_examples(corpus_dir, codes)]


def splits(examples: Sequence[Example]) -> dict[str, list[Example]]:
    """{'train': [...], 'dev': [...], 'test': [...]}."""
    out: dict[str, list[Example]] = {"train": [], "dev": [], "test": []}
    for example in examples:
        out[split_of(example.text)].append(example)
    return out


def data_hash(examples: Iterable[tuple[str, str]]) -> str:
    lines = sorted(f"{code}\t{text}" for text, code in examples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]

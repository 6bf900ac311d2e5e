"""The comparison form of a question and the precise check of two questions.

A question is compared on its diacritic-free normalised content words (function words dropped),
their character 3-grams, and the numbers it names with the word before them ("ấp 3", "tổ 5").
Two questions agree when the numbers they name do not differ ("ấp 3" is not "ấp 5") and they do
not differ in a topic word ("cúp nước" is not "cúp điện"). Word weights (rarity) and topic words
come from the bundled corpus.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.text import normalize, strip_diacritics, tokens

__all__ = ["Lexicon", "Signature", "jaccard", "lexicon", "numbers_agree", "signature", "topics_clash"]

# Words after which a number names a place or an object: "ấp 3", "tổ 5", "quốc lộ 61".
_PLACE_WORDS = frozenset(
    [
        "ap", "to", "khu", "khom", "xom", "thon", "ban", "doi", "phuong", "quan", "huyen", "xa", "so", "duong",
        "hem", "kiet", "ngo", "ngach", "lo", "tuyen", "km", "cau", "cong", "tram", "tru",
    ]
)
_DIGIT_RE = re.compile(r"\d")

_TOPIC_MIN_LINES = 4
_TOPIC_SHARE = 0.5


# Place words after which a name (not only a number) names a place: "ấp Phú Hòa", "đường Trần Phú".
_NAMED_PLACE_WORDS = frozenset(["ap", "thon", "xom", "khom", "xa", "phuong", "huyen", "duong", "kenh", "cau", "truong"])
# Words that follow a place word without naming it: "đường vô nhà", "cầu tre", "trường học".
_NOT_NAMES = frozenset(
    [
        "vo", "ra", "len", "xuong", "nha", "ong", "tre", "go", "khi", "sat", "be", "tong", "dat", "hoc",
        "tieu", "trung", "mam", "cap", "moi", "cu", "dal", "nho", "lon", "chinh", "giao", "thong", "nong",
        "thon", "lien", "truoc", "sau", "trong", "ngoai", "hu", "nat", "ngap", "tren", "duoi", "khu", "so"
    ]
)


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """First word -> (phrase, canonical form) of `nlp/data/synonyms.tsv`, longest phrase first."""
    path = Path(__file__).resolve().parent / "data" / "synonyms.tsv"
    table: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw or raw.startswith("#") or "\t" not in raw:
            continue
        phrase, _, canonical = raw.partition("\t")
        words = tuple(phrase.split())
        table.setdefault(words[0], []).append((words, tuple(canonical.split())))
    for pairs in table.values():
        pairs.sort(key=lambda pc: -len(pc[0]))
    return table


def _canonical(toks: list[str]) -> list[str]:
    """Tokens with synonym phrases replaced by their canonical form."""
    table = _synonyms()
    out: list[str] = []
    i = 0
    while i < len(toks):
        for phrase, canonical in table.get(toks[i], ()):
            if tuple(toks[i : i + len(phrase)]) == phrase:
                out.extend(canonical)
                i += len(phrase)
                break
        else:
            out.append(toks[i])
            i += 1
    return out


_ANY_PLACE_WORD = _PLACE_WORDS | _NAMED_PLACE_WORDS


def _place(prev: str, word: str, stop: frozenset[str]) -> bool:
    if prev in _PLACE_WORDS and _DIGIT_RE.search(word):
        return True
    return prev in _NAMED_PLACE_WORDS and word not in stop and word not in _NOT_NAMES and not _DIGIT_RE.search(word)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "data" / "stopwords.txt"
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            words.add(word)
    return frozenset(words)


@dataclass(frozen=True)
class Signature:
    """What the duplicate check compares: content words, character 3-grams, numbers."""

    words: frozenset[str]
    shingles: frozenset[str]
    numbers: frozenset[str]
    places: tuple[tuple[str, str], ...]
    content: tuple[str, ...] = ()
    """The content words in their order."""


def signature(text: str, normalized: bool = False) -> Signature:
    """The comparison form of a question; pass `normalized=True` for `normalize`d text."""
    return _signature(text if isinstance(text, str) else str(text), normalized)


@lru_cache(maxsize=65536)
def _signature(text: str, normalized: bool) -> Signature:
    toks = _canonical(tokens(strip_diacritics(text if normalized else normalize(text))))
    stop = _stopwords()
    content = [t for t in toks if t not in stop and t.isascii()]
    joined = " " + " ".join(content) + " "
    numbers = frozenset(t for t in content if _DIGIT_RE.search(t)) if _DIGIT_RE.search(joined) else frozenset()
    places = tuple(
        sorted(
            {
                (toks[i - 1], t)
                for i, t in enumerate(toks)
                if i and toks[i - 1] in _ANY_PLACE_WORD and _place(toks[i - 1], t, stop)
            }
        )
    )
    shingles = frozenset(joined[i : i + 3] for i in range(len(joined) - 2)) if content else frozenset()
    return Signature(frozenset(content), shingles, numbers, places, tuple(content))


@dataclass(frozen=True)
class Lexicon:
    idf: dict[str, float]
    unknown: float
    topic: dict[str, str]
    """Words found mostly in one field's questions ("dien" -> dien, "nuoc" -> nuoc_sach)."""


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Word weights and topic words from the bundled corpus. A rare word names the concrete
    problem ("thuốc", "bác sĩ") and weighs more; a topic word must not differ between two
    duplicates ("cúp nước" is not "cúp điện") even though it is common."""
    from nlp.corpus import load_corpus

    df: dict[str, int] = {}
    by_field: dict[str, dict[str, int]] = {}
    lines = load_corpus()
    for text, code in lines:
        for word in signature(text).words:
            df[word] = df.get(word, 0) + 1
            counts = by_field.setdefault(word, {})
            counts[code] = counts.get(code, 0) + 1
    total = len(lines)
    idf = {w: math.log((total + 1) / (c + 1)) + 1 for w, c in df.items()}
    topic: dict[str, str] = {}
    for word, counts in by_field.items():
        code, best = max(counts.items(), key=lambda kv: kv[1])
        if best >= _TOPIC_MIN_LINES and best / df[word] >= _TOPIC_SHARE and not _DIGIT_RE.search(word):
            topic[word] = code
    return Lexicon(idf=idf, unknown=math.log(total + 1) + 1, topic=topic)


def topics_clash(a: frozenset[str], b: frozenset[str]) -> bool:
    topic = lexicon().topic
    only_a = {topic[w] for w in a - b if w in topic}
    if not only_a:
        return False
    only_b = {topic[w] for w in b - a if w in topic}
    return bool(only_b) and not (only_a & only_b)


def numbers_agree(a: Signature, b: Signature) -> bool:
    if a.numbers and b.numbers and not (a.numbers & b.numbers):
        return False
    if a.places and b.places:
        pa: dict[str, set[str]] = {}
        for word, num in a.places:
            pa.setdefault(word, set()).add(num)
        for word, num in b.places:
            if word in pa and num not in pa[word]:
                return False
    return True


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)

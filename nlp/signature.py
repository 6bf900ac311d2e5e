"""The comparison form of a question and the precise check of two questions.

A question is compared on its diacritic-free normalised content words (function words dropped),
their character 3-grams, the numbers it names with the word before them ("ấp 3", "tổ 5"), the
places it names ("xã Phước Lợi") and its problem words (the content words that name no place).
Two questions agree when the numbers they name do not differ ("ấp 3" is not "ấp 5"), they do
not differ in a topic word ("cúp nước" is not "cúp điện"), and neither names a place the other
does not mention. Word weights (rarity) and topic words
come from the bundled corpus.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.text import normalize, strip_diacritics, tokens

__all__ = [
    "Lexicon",
    "Signature",
    "jaccard",
    "lexicon",
    "numbers_agree",
    "places_differ",
    "problem_overlap",
    "signature",
    "topics_clash",
]

# Words after which a number names a place or an object: "ấp 3", "tổ 5", "quốc lộ 61".
_PLACE_WORDS = frozenset(
    [
        "ap", "to", "khu", "khom", "xom", "thon", "ban", "doi", "phuong", "quan", "huyen", "xa", "so", "duong",
        "hem", "kiet", "ngo", "ngach", "lo", "tuyen", "km", "cau", "cong", "tram", "tru",
    ]
)
_DIGIT_RE = re.compile(r"\d")

# Words between "trường" and its name: "trường tiểu học Bình Minh", "trường THCS Tân Thành".
_SCHOOL_LEVELS = frozenset(["tieu", "trung", "hoc", "co", "so", "pho", "thong", "mam", "non", "thcs", "thpt"])
_NAME_MAX = 2
"""Syllables of a place name kept: "Phước Lợi" of "xã Phước Lợi gần chợ"."""
_TOPIC_MIN_LINES = 4
_TOPIC_SHARE = 0.5


# Place words after which a name (not only a number) names a place: "ấp Phú Hòa", "đường Trần Phú".
_NAMED_PLACE_WORDS = frozenset(["ap", "thon", "xom", "khom", "xa", "phuong", "huyen", "duong", "kenh", "cau", "truong"])
# Words that follow a place word without naming it: "đường vô nhà", "cầu tre", "trường học".
_NOT_NAMES = frozenset(
    [
        "vo", "ra", "len", "xuong", "nha", "ong", "tre", "go", "khi", "sat", "be", "tong", "dat", "hoc",
        "tieu", "trung", "mam", "cap", "moi", "cu", "dal", "nho", "lon", "chinh", "giao", "thong", "nong",
        "thon", "lien", "truoc", "sau", "trong", "ngoai", "hu", "nat", "ngap", "tren", "duoi", "khu", "so",
        # "xả nước", "xả rác", "xả thải", "xả lũ" read "xa" without diacritics.
        "nuoc", "rac", "thai", "lu",
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
    names: frozenset[str] = frozenset()
    """The places it names, without their place word: "4" for "thôn 4", "phu hoa" for "ấp Phú Hòa"."""
    problem: frozenset[str] = frozenset()
    """The content words that do not name a place: what is wrong there."""


def signature(text: str, normalized: bool = False) -> Signature:
    """The comparison form of a question; pass `normalized=True` for `normalize`d text."""
    return _signature(text if isinstance(text, str) else str(text), normalized)


@lru_cache(maxsize=65536)
def _signature(text: str, normalized: bool) -> Signature:
    raw = tokens(strip_diacritics(text if normalized else normalize(text)))
    toks = _canonical(raw)
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
    names, name_words = _names(raw, stop)
    problem = frozenset(
        t for t in content if t not in _ANY_PLACE_WORD and t not in name_words and not _DIGIT_RE.search(t)
    )
    return Signature(frozenset(content), shingles, numbers, places, tuple(content), names, problem)


def _names(toks: list[str], stop: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The names after place words: the number ("tổ 12") or up to `_NAME_MAX` name syllables
    ("xã Phước Lợi"), so that "Phước Lợi" and "Phước Hưng" are two places; and the words of
    those names and of school levels ("trường tiểu học"), which say where, not what."""
    names: set[str] = set()
    words: set[str] = set()
    for i in range(1, len(toks)):
        prev, start = toks[i - 1], i
        if prev == "truong":
            while start < len(toks) - 1 and toks[start] in _SCHOOL_LEVELS:
                words.add(toks[start])
                start += 1
        word = toks[start]
        if prev not in _ANY_PLACE_WORD or word in _ANY_PLACE_WORD or not _place(prev, word, stop):
            continue
        if _DIGIT_RE.search(word):
            names.add(word)
            continue
        parts = [word]
        for nxt in toks[start + 1 : start + _NAME_MAX]:
            if nxt in stop or nxt in _NOT_NAMES or nxt in _ANY_PLACE_WORD or _DIGIT_RE.search(nxt):
                break
            parts.append(nxt)
        names.add(" ".join(parts))
        words.update(parts)
    return frozenset(names), frozenset(words)


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


def places_differ(a: Signature, b: Signature) -> bool:
    """Each names a place the other does not mention: "đèn đường Trần Phú" is not "đèn đường
    thôn 4", "xã Phước Lợi" is not "xã Phước Hưng"."""
    b_text, a_text = " " + " ".join(b.content) + " ", " " + " ".join(a.content) + " "
    return any(f" {n} " not in b_text for n in a.names) and any(f" {n} " not in a_text for n in b.names)


def problem_overlap(a: Signature, b: Signature, names: frozenset[str] = frozenset()) -> float:
    """Cosine of the rarity-weighted words that do not name a place: how far two questions
    about one place raise the same problem. A name either of them, or `names` (their groups'),
    gives with a place word is no problem word even where it comes without ("kiet 45 hung vuong")."""
    named = {w for name in a.names | b.names | names for w in name.split()}
    pa, pb = a.problem - named, b.problem - named
    if not pa or not pb:
        return 0.0
    idf, unknown = lexicon().idf, lexicon().unknown
    shared = sum(idf.get(w, unknown) ** 2 for w in pa & pb)
    norm_a = math.sqrt(sum(idf.get(w, unknown) ** 2 for w in pa))
    norm_b = math.sqrt(sum(idf.get(w, unknown) ** 2 for w in pb))
    return shared / (norm_a * norm_b)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)

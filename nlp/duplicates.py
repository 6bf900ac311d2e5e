"""Near-duplicate questions: same concrete concern, maybe in other words or without diacritics.

Questions are compared on their diacritic-free normalised content words (function words
dropped). Two are duplicates when the mean of the character 3-gram Jaccard and the word Jaccard
(words weighted by rarity in the corpus) reaches the threshold, neither is low, the numbers they
name agree ("ấp 3" is not "ấp 5") and they do not differ in a topic word ("cúp nước" is not
"cúp điện"). Grouping many questions finds candidate pairs with MinHash-LSH on the character
3-grams (no all-pairs loop), checks them precisely, then joins them most similar first, refusing
a join that would put different numbers in one group. A group is named after its first member
in input order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from nlp.normalize import normalize, strip_diacritics, tokens

__all__ = [
    "DEFAULT_THRESHOLD",
    "DuplicateHit",
    "DuplicateIndex",
    "Signature",
    "find_similar",
    "group",
    "signature",
    "similarity",
]

DEFAULT_THRESHOLD = 0.55
"""Minimum similarity (mean of character and word Jaccard) for a proposed duplicate."""
_MIN_EACH = 0.35
"""Neither the character nor the word Jaccard may fall below this, whatever the mean."""

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
_BANDS = 20
_ROWS = 2
_WINDOW = 4
_CHUNK_DOCS = 4096
_CHUNK_PAIRS = 200_000


@dataclass(frozen=True)
class DuplicateHit:
    id: Hashable
    group: Hashable
    """The id of the group's first member (itself when the question stands alone)."""
    similarity: float
    """1.0 for a group's first member; otherwise the best similarity to a group member."""


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


def signature(text: str, normalized: bool = False) -> Signature:
    """The comparison form of a question; pass `normalized=True` for `normalize`d text."""
    return _signature(text if isinstance(text, str) else str(text), normalized)


@lru_cache(maxsize=65536)
def _signature(text: str, normalized: bool) -> Signature:
    toks = tokens(strip_diacritics(text if normalized else normalize(text)))
    stop = _stopwords()
    content = [t for t in toks if t not in stop]
    numbers = frozenset(t for t in content if _DIGIT_RE.search(t))
    places = tuple(
        sorted(
            {(toks[i - 1], t) for i, t in enumerate(toks) if i and toks[i - 1] in _PLACE_WORDS and _DIGIT_RE.search(t)}
        )
    )
    joined = " " + " ".join(content) + " "
    shingles = frozenset(joined[i : i + 3] for i in range(len(joined) - 2)) if content else frozenset()
    return Signature(words=frozenset(content), shingles=shingles, numbers=numbers, places=places)


@dataclass(frozen=True)
class _Lexicon:
    idf: dict[str, float]
    unknown: float
    topic: dict[str, str]
    """Words found mostly in one field's questions ("dien" -> dien, "nuoc" -> nuoc_sach)."""


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
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
    return _Lexicon(idf=idf, unknown=math.log(total + 1) + 1, topic=topic)


def _topics_clash(a: frozenset[str], b: frozenset[str]) -> bool:
    topic = _lexicon().topic
    only_a = {topic[w] for w in a - b if w in topic}
    if not only_a:
        return False
    only_b = {topic[w] for w in b - a if w in topic}
    return bool(only_b) and not (only_a & only_b)


def _weight(words: Iterable[str]) -> float:
    lex = _lexicon()
    return sum(lex.idf.get(w, lex.unknown) for w in words)


def _word_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = _weight(a & b)
    union = _weight(a) + _weight(b) - inter
    return inter / union if union > 0 else 0.0


def _numbers_agree(a: Signature, b: Signature) -> bool:
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


def _agree(a: Signature, b: Signature) -> bool:
    return _numbers_agree(a, b) and not _topics_clash(a.words, b.words)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _combine(char_j: float, word_j: float) -> float:
    if min(char_j, word_j) < _MIN_EACH:
        return min(char_j, word_j)
    return (char_j + word_j) / 2


def similarity(a: str | Signature, b: str | Signature) -> float:
    """Similarity in [0, 1]; 0.0 when numbers or topic words disagree or a text has no content words."""
    sa = a if isinstance(a, Signature) else signature(a)
    sb = b if isinstance(b, Signature) else signature(b)
    if not sa.words or not sb.words or not _agree(sa, sb):
        return 0.0
    if sa.words == sb.words:
        return 1.0
    return _combine(_jaccard(sa.shingles, sb.shingles), _word_jaccard(sa.words, sb.words))


class DuplicateIndex:
    """Questions added one by one; `query` proposes duplicates of a new question among them.

    Candidates come from an inverted index on content words, so a query costs about the
    number of earlier questions sharing a word with it, not the size of the index.
    """

    def __init__(self) -> None:
        self._ids: list[Hashable] = []
        self._sigs: list[Signature] = []
        self._postings: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, id: Hashable, text: str | Signature) -> None:
        sig = text if isinstance(text, Signature) else signature(text)
        pos = len(self._ids)
        self._ids.append(id)
        self._sigs.append(sig)
        for word in sig.words:
            self._postings.setdefault(word, []).append(pos)

    def query(
        self, text: str | Signature, threshold: float = DEFAULT_THRESHOLD, limit: int = 5
    ) -> list[tuple[Hashable, float]]:
        sig = text if isinstance(text, Signature) else signature(text)
        if not sig.words or limit <= 0:
            return []
        counts: dict[int, int] = {}
        for word in sig.words:
            for pos in self._postings.get(word, ()):
                counts[pos] = counts.get(pos, 0) + 1
        # A pair below this many shared words cannot reach the word-Jaccard floor.
        need = max(1, int(_MIN_EACH * len(sig.words)))
        scored: list[tuple[float, int]] = []
        for pos, shared in counts.items():
            if shared < need:
                continue
            sim = similarity(sig, self._sigs[pos])
            if sim >= threshold:
                scored.append((sim, pos))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(self._ids[pos], round(sim, 4)) for sim, pos in scored[:limit]]


def find_similar(
    text: str,
    candidates: Sequence[tuple[Hashable, str]],
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 5,
) -> list[tuple[Hashable, float]]:
    """The candidates (id, text) that look like duplicates of `text`, most similar first.

    The same answer as a `DuplicateIndex` of the candidates queried once, without building the
    index: for one query, a set intersection per candidate is cheaper than the posting lists.
    """
    sig = text if isinstance(text, Signature) else signature(text)
    if not sig.words or limit <= 0:
        return []
    words = sig.words
    need = max(1, int(_MIN_EACH * len(words)))
    scored: list[tuple[float, int]] = []
    for pos, (_, ctext) in enumerate(candidates):
        other = ctext if isinstance(ctext, Signature) else signature(ctext)
        if len(words & other.words) < need:
            continue
        sim = similarity(sig, other)
        if sim >= threshold:
            scored.append((sim, pos))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(candidates[pos][0], round(sim, 4)) for sim, pos in scored[:limit]]


def group(items: Sequence[tuple[Hashable, str]], threshold: float = DEFAULT_THRESHOLD) -> list[DuplicateHit]:
    """One hit per item, in input order, naming the first member of its duplicate group."""
    n = len(items)
    if n == 0:
        return []
    # Questions with the same content words and numbers are one node of the graph.
    node_of: dict[tuple[frozenset[str], frozenset[str], tuple[tuple[str, str], ...]], int] = {}
    node_sigs: list[Signature] = []
    item_node = np.empty(n, dtype=np.int64)
    for i, (_, text) in enumerate(items):
        sig = signature(text)
        if not sig.words:
            item_node[i] = len(node_sigs)
            node_sigs.append(sig)
            continue
        key = (sig.words, sig.numbers, sig.places)
        node = node_of.get(key)
        if node is None:
            node = node_of[key] = len(node_sigs)
            node_sigs.append(sig)
        item_node[i] = node
    m = len(node_sigs)
    shingle_m = _binary_matrix(s.shingles for s in node_sigs)
    lex = _lexicon()
    word_m = _binary_matrix((s.words for s in node_sigs), weights=(lex.idf, lex.unknown))
    left, right = _candidate_pairs(shingle_m, m)
    sims = np.zeros(0, dtype=np.float64)
    if left.size:
        sims = _pair_similarity(shingle_m, word_m, left, right)
        keep = sims >= threshold
        left, right, sims = left[keep], right[keep], sims[keep]
    root, best = _merge(node_sigs, left, right, sims)
    first_item: dict[int, int] = {}
    node_size = np.bincount(item_node, minlength=m)
    hits = []
    for i, (item_id, _) in enumerate(items):
        node = int(item_node[i])
        lead = first_item.setdefault(root[node], i)
        sim = 1.0 if lead == i or node_size[node] > 1 else round(float(best[node]), 4)
        hits.append(DuplicateHit(id=item_id, group=items[lead][0], similarity=sim))
    return hits


class _Numbers:
    """The numbers a group of questions names, so that merging two groups can be refused."""

    __slots__ = ("numbers", "places")

    def __init__(self, numbers: frozenset[str], places: dict[str, frozenset[str]]) -> None:
        self.numbers = numbers
        self.places = places

    @classmethod
    def of(cls, sig: Signature) -> _Numbers | None:
        if not sig.numbers and not sig.places:
            return None
        places: dict[str, set[str]] = {}
        for word, num in sig.places:
            places.setdefault(word, set()).add(num)
        return cls(sig.numbers, {w: frozenset(v) for w, v in places.items()})

    def compatible(self, other: _Numbers) -> bool:
        if self.numbers and other.numbers and not (self.numbers & other.numbers):
            return False
        for word, nums in self.places.items():
            theirs = other.places.get(word)
            if theirs is not None and not (nums <= theirs or theirs <= nums):
                return False
        return True

    def merged(self, other: _Numbers) -> _Numbers:
        places = dict(self.places)
        for word, nums in other.places.items():
            places[word] = places.get(word, frozenset()) | nums
        return _Numbers(self.numbers | other.numbers, places)


def _merge(
    sigs: Sequence[Signature],
    left: np.ndarray[Any, np.dtype[np.int64]],
    right: np.ndarray[Any, np.dtype[np.int64]],
    sims: np.ndarray[Any, np.dtype[np.float64]],
) -> tuple[list[int], np.ndarray[Any, np.dtype[np.float64]]]:
    """Union-find over the pairs, most similar first. A merge is refused when the two groups
    name different numbers, so "ấp 3" and "ấp 5" never meet through a question naming neither."""
    m = len(sigs)
    parent = list(range(m))
    info: dict[int, _Numbers] = {}
    for node, sig in enumerate(sigs):
        numbers = _Numbers.of(sig)
        if numbers is not None:
            info[node] = numbers
    best = np.zeros(m, dtype=np.float64)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = np.argsort(-sims, kind="stable")
    for a, b, sim in zip(left[order].tolist(), right[order].tolist(), sims[order].tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            ia, ib = info.get(ra), info.get(rb)
            if ia is not None and ib is not None and not ia.compatible(ib):
                continue
            if _topics_clash(sigs[a].words, sigs[b].words) or not _numbers_agree(sigs[a], sigs[b]):
                continue
            parent[rb] = ra
            if ib is not None:
                info[ra] = ib if ia is None else ia.merged(ib)
        if sim > best[a]:
            best[a] = sim
        if sim > best[b]:
            best[b] = sim
    return [find(x) for x in range(m)], best


def _binary_matrix(sets: Iterable[frozenset[str]], weights: tuple[dict[str, float], float] | None = None) -> csr_matrix:
    """Rows are the sets; values 1, or the word weights when `weights` is given."""
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for s in sets:
        for x in s:
            idx = vocab.get(x)
            if idx is None:
                idx = vocab[x] = len(vocab)
            indices.append(idx)
        indptr.append(len(indices))
    ind = np.asarray(indices, dtype=np.int32)
    ptr = np.asarray(indptr, dtype=np.int64)
    if weights is None:
        data = np.ones(ind.size, dtype=np.float32)
    else:
        table, unknown = weights
        by_index = np.empty(len(vocab), dtype=np.float32)
        for word, idx in vocab.items():
            by_index[idx] = table.get(word, unknown)
        data = by_index[ind]
    m = csr_matrix((data, ind, ptr), shape=(len(indptr) - 1, max(len(vocab), 1)))
    m.sort_indices()
    return m


def _minhash(m: csr_matrix) -> np.ndarray[Any, np.dtype[np.uint32]]:
    """MinHash signatures (n x bands*rows); empty rows get all-max, kept out of buckets."""
    k = _BANDS * _ROWS
    rng = np.random.default_rng(20260101)
    perm = rng.integers(0, 2**32 - 1, size=(m.shape[1], k), dtype=np.uint32)
    n = m.shape[0]
    sig = np.full((n, k), np.iinfo(np.uint32).max, dtype=np.uint32)
    ptr = m.indptr
    for start in range(0, n, _CHUNK_DOCS):
        stop = min(n, start + _CHUNK_DOCS)
        lo, hi = ptr[start], ptr[stop]
        if hi == lo:
            continue
        values = perm[m.indices[lo:hi]]
        offsets = ptr[start:stop] - lo
        nonempty = np.diff(ptr[start : stop + 1]) > 0
        reduced = np.minimum.reduceat(values, offsets[nonempty], axis=0)
        sig[start:stop][nonempty] = reduced
    return sig


def _candidate_pairs(
    m: csr_matrix, n: int
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Pairs (i < j) sharing an LSH bucket; inside a bucket each member is paired with the
    bucket's first member and its `_WINDOW` predecessors, so a huge bucket stays linear."""
    sig = _minhash(m)
    valid = np.diff(m.indptr) > 0
    idx = np.arange(n, dtype=np.int64)
    found: list[np.ndarray[Any, np.dtype[np.int64]]] = []
    for band in range(_BANDS):
        cols = sig[:, band * _ROWS : (band + 1) * _ROWS].astype(np.uint64)
        keys = (cols[:, 0] << np.uint64(32)) | cols[:, 1]
        keys_v, idx_v = keys[valid], idx[valid]
        order = np.argsort(keys_v, kind="stable")
        k_sorted, i_sorted = keys_v[order], idx_v[order]
        if k_sorted.size < 2:
            continue
        new_run = np.empty(k_sorted.size, dtype=bool)
        new_run[0] = True
        new_run[1:] = k_sorted[1:] != k_sorted[:-1]
        run_start = np.maximum.accumulate(np.where(new_run, np.arange(k_sorted.size), 0))
        for d in range(1, _WINDOW + 1):
            same = k_sorted[d:] == k_sorted[:-d]
            if same.any():
                found.append(i_sorted[:-d][same] * n + i_sorted[d:][same])
        far = np.arange(k_sorted.size) - run_start > _WINDOW
        if far.any():
            found.append(i_sorted[run_start[far]] * n + i_sorted[far])
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes = np.concatenate(found)
    codes.sort()
    codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    left, right = codes // n, codes % n
    # Cheap filter on the MinHash estimate of the character Jaccard before the exact check.
    estimate = np.empty(codes.size, dtype=np.float32)
    for s in range(0, codes.size, _CHUNK_PAIRS):
        a, b = left[s : s + _CHUNK_PAIRS], right[s : s + _CHUNK_PAIRS]
        estimate[s : s + _CHUNK_PAIRS] = (sig[a] == sig[b]).mean(axis=1)
    keep = estimate >= _MIN_EACH - 0.2
    return left[keep], right[keep]


def _pair_similarity(
    shingle_m: csr_matrix,
    word_m: csr_matrix,
    left: np.ndarray[Any, np.dtype[np.int64]],
    right: np.ndarray[Any, np.dtype[np.int64]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    out = np.empty(left.size, dtype=np.float64)
    s_size = np.diff(shingle_m.indptr).astype(np.float64)
    w_size = np.asarray(word_m.sum(axis=1), dtype=np.float64).ravel()
    word_bin = word_m.copy()
    word_bin.data[:] = 1.0
    for s in range(0, left.size, _CHUNK_PAIRS):
        a, b = left[s : s + _CHUNK_PAIRS], right[s : s + _CHUNK_PAIRS]
        char_j = _row_jaccard(shingle_m, s_size, a, b)
        word_j = _row_jaccard(word_m, w_size, a, b, word_bin)
        both = (char_j + word_j) / 2
        floor = np.minimum(char_j, word_j)
        sim = np.where(floor < _MIN_EACH, floor, both)
        sim[word_j >= 1.0 - 1e-6] = 1.0
        out[s : s + _CHUNK_PAIRS] = sim
    return out


def _row_jaccard(
    m: csr_matrix,
    sizes: np.ndarray[Any, np.dtype[np.float64]],
    a: np.ndarray[Any, np.dtype[np.int64]],
    b: np.ndarray[Any, np.dtype[np.int64]],
    indicator: csr_matrix | None = None,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """(Weighted) Jaccard of rows a and b; `indicator` is the 0/1 pattern of a weighted `m`."""
    ones = m if indicator is None else indicator
    inter = np.asarray(ones[a].multiply(m[b]).sum(axis=1), dtype=np.float64).ravel()
    union = sizes[a] + sizes[b] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)

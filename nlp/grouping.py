"""Automatic grouping of duplicate questions, precision first: questions are joined only when
the same concrete concern is near certain, so that one answer can safely reach every asker.

Candidate pairs come from MinHash-LSH on character 3-grams and from sharing a rare word (a place
name, a concrete problem), never from an all-pairs loop. A pair is kept when its score (word
cosine and character Jaccard, as in `nlp.similar`) reaches `GROUP_MIN`; pairs are then joined most
similar first, refusing a join that would put different numbers ("ấp 3", "ấp 5"), different
named places ("xã Phước Lợi", "xã Phước Hưng") or different topic words ("cúp nước", "cúp điện")
in one group, or whose problem words (beyond the place they share) overlap less than
`PROBLEM_MIN`. A group is named after its first member in
input order. `GROUP_MIN` and `PROBLEM_MIN` were tuned on `nlp/data/duplicates/dev.txt` (pair F1, look-alikes
merged).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from nlp.signature import (
    Signature,
    lexicon,
    numbers_agree,
    places_differ,
    problem_overlap,
    signature,
    topics_clash,
)
from nlp.similar import WORD_SHARE, word_vector

__all__ = ["GROUP_MIN", "DuplicateHit", "group"]

GROUP_MIN = 0.45
"""Minimum pair score for two questions to be grouped automatically."""
PROBLEM_MIN = 0.25
"""Minimum `problem_overlap` of a joined pair: sharing the place is not sharing the problem."""
_BANDS = 20
_ROWS = 2
_WINDOW = 4
_CHUNK_DOCS = 4096
_CHUNK_PAIRS = 200_000
_RARE_MAX_DF = 50
"""A word shared by at most this many questions of a batch proposes them as candidate pairs."""
_RARE_MIN_IDF = 4.0
_LSH_MIN_ESTIMATE = 0.15
_ESTIMATE_MARGIN = 0.25
"""Above three standard deviations of a MinHash estimate of the Jaccard over 40 hashes."""


@dataclass(frozen=True)
class DuplicateHit:
    id: Hashable
    group: Hashable
    """The id of the group's first member (itself when the question stands alone)."""
    similarity: float
    """1.0 for a group's first member; otherwise the best similarity to a group member."""


def group(items: Sequence[tuple[Hashable, str]], threshold: float = GROUP_MIN) -> list[DuplicateHit]:
    """One hit per item, in input order, naming the first member of its duplicate group."""
    n = len(items)
    if n == 0:
        return []
    node_sigs, item_node = _nodes(items)
    m = len(node_sigs)
    shingle_m = _binary_matrix([s.shingles for s in node_sigs])
    word_m = _vector_matrix(node_sigs)
    minhash = _minhash(shingle_m)
    left, right = _candidate_pairs(shingle_m, minhash, m)
    rare_left, rare_right = _rare_word_pairs(node_sigs)
    left, right = _union_pairs(left, right, rare_left, rare_right, m)
    sims = np.zeros(0, dtype=np.float64)
    if left.size:
        sims = _pair_similarity(shingle_m, word_m, minhash, left, right, threshold)
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


def _nodes(items: Sequence[tuple[Hashable, str]]) -> tuple[list[Signature], np.ndarray[Any, np.dtype[np.int64]]]:
    """Questions with the same content words and numbers are one node of the graph."""
    node_of: dict[tuple[frozenset[str], frozenset[str], tuple[tuple[str, str], ...]], int] = {}
    node_sigs: list[Signature] = []
    item_node = np.empty(len(items), dtype=np.int64)
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
    return node_sigs, item_node


def _vector_matrix(sigs: Sequence[Signature]) -> csr_matrix:
    """Rows are the L2-normalised word vectors of `nlp.similar.word_vector`."""
    vectors = [word_vector(sig) for sig in sigs]
    terms = [term for vector in vectors for term in vector]
    data = np.fromiter((w for vector in vectors for w in vector.values()), dtype=np.float32, count=len(terms))
    return _rows(terms, data, [len(vector) for vector in vectors])


def _rows(terms: list[str], data: np.ndarray[Any, np.dtype[np.float32]], lengths: list[int]) -> csr_matrix:
    """A CSR matrix from each row's terms (distinct within a row) and values, rows of `lengths`."""
    vocab = {term: j for j, term in enumerate(dict.fromkeys(terms))}
    indices = np.fromiter(map(vocab.__getitem__, terms), dtype=np.int32, count=len(terms))
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    m = csr_matrix((data, indices, indptr), shape=(len(lengths), max(1, len(vocab))))
    m.sort_indices()
    return m


def _rare_word_pairs(
    sigs: Sequence[Signature],
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Pairs of questions sharing a word that is rare in the corpus and in the batch (a place
    name, a concrete problem): each is paired with the word's first questions and predecessors."""
    lex = lexicon()
    postings: dict[str, list[int]] = {}
    for node, sig in enumerate(sigs):
        for word in sig.words:
            if lex.idf.get(word, lex.unknown) >= _RARE_MIN_IDF:
                postings.setdefault(word, []).append(node)
    left: list[int] = []
    right: list[int] = []
    for nodes in postings.values():
        if len(nodes) < 2 or len(nodes) > _RARE_MAX_DF:
            continue
        for k in range(1, len(nodes)):
            for j in range(max(0, k - _WINDOW), k):
                left.append(nodes[j])
                right.append(nodes[k])
    return np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)


def _union_pairs(
    a_left: np.ndarray[Any, np.dtype[np.int64]],
    a_right: np.ndarray[Any, np.dtype[np.int64]],
    b_left: np.ndarray[Any, np.dtype[np.int64]],
    b_right: np.ndarray[Any, np.dtype[np.int64]],
    n: int,
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    lo = np.concatenate([np.minimum(a_left, a_right), np.minimum(b_left, b_right)])
    hi = np.concatenate([np.maximum(a_left, a_right), np.maximum(b_left, b_right)])
    codes = lo * n + hi
    codes.sort()
    codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if codes.size else codes
    codes = codes[codes // n != codes % n]
    return codes // n, codes % n


class _Numbers:
    """The numbers a group of questions names, so that merging two groups can be refused."""

    __slots__ = ("names", "numbers", "places")

    def __init__(self, numbers: frozenset[str], places: dict[str, frozenset[str]], names: frozenset[str]) -> None:
        self.numbers = numbers
        self.places = places
        self.names = names

    @classmethod
    def of(cls, sig: Signature) -> _Numbers | None:
        if not sig.numbers and not sig.places and not sig.names:
            return None
        places: dict[str, set[str]] = {}
        for word, num in sig.places:
            places.setdefault(word, set()).add(num)
        return cls(sig.numbers, {w: frozenset(v) for w, v in places.items()}, sig.names)

    def compatible(self, other: _Numbers) -> bool:
        if self.numbers and other.numbers and not (self.numbers & other.numbers):
            return False
        if self.names and other.names and not (self.names & other.names):
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
        return _Numbers(self.numbers | other.numbers, places, self.names | other.names)


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
            names = (ia.names if ia is not None else frozenset()) | (ib.names if ib is not None else frozenset())
            if not _same_concern(sigs[a], sigs[b], names):
                continue
            parent[rb] = ra
            if ib is not None:
                info[ra] = ib if ia is None else ia.merged(ib)
        if sim > best[a]:
            best[a] = sim
        if sim > best[b]:
            best[b] = sim
    return [find(x) for x in range(m)], best


def _same_concern(a: Signature, b: Signature, names: frozenset[str]) -> bool:
    """The precise check of a joined pair: same numbered and named places, and the same problem
    beyond the place (`names`: the places their groups name)."""
    if topics_clash(a.words, b.words) or not numbers_agree(a, b) or places_differ(a, b):
        return False
    return problem_overlap(a, b, names) >= PROBLEM_MIN


def _binary_matrix(sets: Sequence[frozenset[str]]) -> csr_matrix:
    """Rows are the sets, values 1."""
    items = [x for row in sets for x in row]
    return _rows(items, np.ones(len(items), dtype=np.float32), [len(row) for row in sets])


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
    m: csr_matrix, sig: np.ndarray[Any, np.dtype[np.uint32]], n: int
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Pairs (i < j) sharing an LSH bucket of the MinHash signatures `sig`; inside a bucket each
    member is paired with the bucket's first member and its `_WINDOW` predecessors, so a huge
    bucket stays linear."""
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
    keep = estimate >= _LSH_MIN_ESTIMATE
    return left[keep], right[keep]


def _pair_similarity(
    shingle_m: csr_matrix,
    word_m: csr_matrix,
    minhash: np.ndarray[Any, np.dtype[np.uint32]],
    left: np.ndarray[Any, np.dtype[np.int64]],
    right: np.ndarray[Any, np.dtype[np.int64]],
    threshold: float,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """`nlp.similar.pair_score` without its penalties (a clash refuses the join in `_merge`).
    The exact character Jaccard is computed only for pairs that could reach `threshold` with it
    at their MinHash estimate plus `_ESTIMATE_MARGIN`; the others get 0."""
    out = np.zeros(left.size, dtype=np.float64)
    s_size = np.diff(shingle_m.indptr).astype(np.float64)
    for s in range(0, left.size, _CHUNK_PAIRS):
        a, b = left[s : s + _CHUNK_PAIRS], right[s : s + _CHUNK_PAIRS]
        cosine = np.minimum(_row_dot(word_m, a, b), 1.0)
        estimate = (minhash[a] == minhash[b]).mean(axis=1)
        hopeful = WORD_SHARE * cosine + (1 - WORD_SHARE) * np.minimum(1.0, estimate + _ESTIMATE_MARGIN) >= threshold
        if not hopeful.any():
            continue
        char_j = _row_jaccard(shingle_m, s_size, a[hopeful], b[hopeful])
        chunk = out[s : s + _CHUNK_PAIRS]
        chunk[hopeful] = WORD_SHARE * cosine[hopeful] + (1 - WORD_SHARE) * char_j
    return out


def _row_dot(
    m: csr_matrix, a: np.ndarray[Any, np.dtype[np.int64]], b: np.ndarray[Any, np.dtype[np.int64]]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(m[a].multiply(m[b]).sum(axis=1), dtype=np.float64).ravel()


def _row_jaccard(
    m: csr_matrix,
    sizes: np.ndarray[Any, np.dtype[np.float64]],
    a: np.ndarray[Any, np.dtype[np.int64]],
    b: np.ndarray[Any, np.dtype[np.int64]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Jaccard of the 0/1 rows a and b."""
    inter = _row_dot(m, a, b)
    union = sizes[a] + sizes[b] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)

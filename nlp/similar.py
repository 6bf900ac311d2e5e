"""Suggested duplicates, recall first: for a question, the most similar other questions with a
score in [0, 1].

Candidates come from a cosine over weighted content words and word pairs of the diacritic-free
text (a word's weight is its rarity in the bundled corpus, so place names and concrete problems
count most); the best candidates are then rescored with their character 3-grams, and a score is
cut when the two name different numbers ("ấp 3", "ấp 5"), differ in a topic word ("cúp nước",
"cúp điện") or each name a place the other does not ("thôn 4", "thôn 7"). The place rules of the
grouping stage only re-rank here, never drop a candidate: a score is lowered as the problem words
(those naming no place) share less, and raised when both name the same place and the same problem.
The weights were tuned on the paraphrase groups of `nlp/data/duplicates/dev.txt`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.sparse import csc_matrix, csr_matrix

from nlp.signature import (
    Signature,
    jaccard,
    lexicon,
    numbers_agree,
    places_differ,
    problem_overlap,
    signature,
    topics_clash,
)

__all__ = [
    "SUGGEST_MIN",
    "SimilarIndex",
    "compared",
    "find_similar",
    "pair_score",
    "similar_all",
    "word_vector",
]

WORD_SHARE = 0.5
"""Share of the word cosine in a score; the rest is the character 3-gram Jaccard."""
NUMBER_PENALTY = 0.5
"""A score is multiplied by this when the two questions name different numbers."""
TOPIC_PENALTY = 0.6
"""A score is multiplied by this when the two questions differ in a topic word."""
PLACE_PENALTY = 0.5
"""A score is multiplied by this when each names a place the other does not mention."""
PROBLEM_SHARE = 0.3
"""Share of a score that depends on the overlap of the problem words (those naming no place)."""
PROBLEM_BONUS = 0.4
"""When both name a same place and no other, this share of the gap to 1, times the problem-word
overlap, is added: same place and same problem."""
SUGGEST_MIN = 0.25
"""Below this score a question is not proposed as a duplicate at intake."""
_RESCORE = 30


@lru_cache(maxsize=65536)
def word_vector(sig: Signature) -> Mapping[str, float]:
    """Term -> weight of the L2-normalised vector of content words and adjacent word pairs (do
    not change the mapping: it is shared through the cache)."""
    lex = lexicon()
    weights: dict[str, float] = {}
    for word in sig.content:
        weights[word] = lex.idf.get(word, lex.unknown)
    for a, b in zip(sig.content, sig.content[1:], strict=False):
        weights[f"{a} {b}"] = 0.5 * min(lex.idf.get(a, lex.unknown), lex.idf.get(b, lex.unknown))
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def pair_score(a: Signature, b: Signature, cosine: float) -> float:
    """The score of two questions from their word cosine and their signatures."""
    return _scores(a, b, cosine)[1]


def _scores(a: Signature, b: Signature, cosine: float) -> tuple[float, float]:
    """The score before the place and problem re-ranking, which decides whether a candidate is
    kept (so re-ranking never drops one), and the score after it, which orders them."""
    shared = a.words & b.words
    if shared and all(w.isdigit() for w in shared):
        return 0.0, 0.0  # only a number in common ("1", "2026"): nothing said alike
    score = WORD_SHARE * cosine + (1 - WORD_SHARE) * jaccard(a.shingles, b.shingles)
    if not numbers_agree(a, b):
        score *= NUMBER_PENALTY
    if topics_clash(a.words, b.words):
        score *= TOPIC_PENALTY
    kept = round(min(1.0, max(0.0, score)), 4)
    differ = places_differ(a, b)
    if differ:
        score *= PLACE_PENALTY
    overlap = problem_overlap(a, b)
    score *= 1 - PROBLEM_SHARE + PROBLEM_SHARE * overlap
    if not differ and a.names & b.names:
        score += PROBLEM_BONUS * overlap * (1 - score)
    return kept, round(min(1.0, max(0.0, score)), 4)


def _ranked(
    sig: Signature, rescored: Sequence[tuple[int, Signature, float]], min_score: float
) -> list[tuple[float, int]]:
    """(score, position) of the candidates (position, signature, word cosine) whose score before
    re-ranking reaches `min_score`, best first by the re-ranked score."""
    scores = [(_scores(sig, other, cosine), pos) for pos, other, cosine in rescored]
    kept = [(score, pos) for (before, score), pos in scores if before > 0 and before >= min_score]
    kept.sort(key=lambda item: (-item[0], item[1]))
    return kept


class SimilarIndex:
    """Questions added one by one, queried for the most similar ones. The inverted index (the
    matrix by term) is rebuilt on the first query after an `add`; a query reads only the postings
    of its own terms, not the whole index."""

    def __init__(self) -> None:
        self._ids: list[Hashable] = []
        self._sigs: list[Signature] = []
        self._vocab: dict[str, int] = {}
        self._indices: list[int] = []
        self._data: list[float] = []
        self._indptr: list[int] = [0]
        self._matrix: csc_matrix | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, id: Hashable, text: str | Signature) -> None:
        sig, vector = (text, word_vector(text)) if isinstance(text, Signature) else compared(text)
        self._ids.append(id)
        self._sigs.append(sig)
        for term, weight in vector.items():
            self._indices.append(self._vocab.setdefault(term, len(self._vocab)))
            self._data.append(weight)
        self._indptr.append(len(self._indices))
        self._matrix = None

    def _built(self) -> csc_matrix:
        if self._matrix is None:
            self._matrix = csr_matrix(
                (
                    np.asarray(self._data, dtype=np.float32),
                    np.asarray(self._indices, dtype=np.int32),
                    np.asarray(self._indptr, dtype=np.int64),
                ),
                shape=(len(self._ids), max(1, len(self._vocab))),
            ).tocsc()
        return self._matrix

    def query(
        self, text: str | Signature, top: int = 5, min_score: float = 0.0, skip: int | None = None,
        before: int | None = None,
    ) -> list[tuple[Hashable, float]]:
        """The `top` most similar questions (id, score), best first; `skip` is a position to leave
        out (the question itself), `before` a position from which on every question is left out."""
        sig = text if isinstance(text, Signature) else signature(text)
        if not sig.words or top <= 0 or not self._ids:
            return []
        cosine = self._cosines(sig)
        if skip is not None:
            cosine[skip] = 0.0
        if before is not None:
            cosine[max(0, before):] = 0.0
        candidates = np.flatnonzero(cosine > 0)
        if candidates.size > _RESCORE:
            part = np.argpartition(-cosine[candidates], _RESCORE - 1)[:_RESCORE]
            candidates = candidates[part]
        ranked = _ranked(sig, [(int(pos), self._sigs[pos], float(cosine[pos])) for pos in candidates], min_score)
        return [(self._ids[pos], s) for s, pos in ranked[:top]]

    def _cosines(self, sig: Signature) -> np.ndarray[Any, np.dtype[np.float64]]:
        cols: list[int] = []
        vals: list[float] = []
        for term, weight in word_vector(sig).items():
            col = self._vocab.get(term)
            if col is not None:
                cols.append(col)
                vals.append(weight)
        if not cols:
            return np.zeros(len(self._ids))
        by_term = self._built()
        starts, stops = by_term.indptr[cols], by_term.indptr[np.asarray(cols) + 1]
        rows = np.concatenate([by_term.indices[a:b] for a, b in zip(starts, stops, strict=True)])
        weights = np.concatenate(
            [by_term.data[a:b] * w for a, b, w in zip(starts, stops, vals, strict=True)]
        ).astype(np.float64)
        cosine = np.bincount(rows, weights=weights, minlength=len(self._ids))
        return np.asarray(cosine, dtype=np.float64)


@lru_cache(maxsize=65536)
def compared(text: str) -> tuple[Signature, Mapping[str, float]]:
    """A candidate's signature and word vector in one look-up by its text: a meeting's open
    questions are compared again with each new question, and hashing the text is cheaper than
    hashing its signature."""
    sig = signature(text)
    return sig, word_vector(sig)


def find_similar(
    text: str | Signature,
    candidates: Sequence[tuple[Hashable, str]],
    limit: int = 5,
    min_score: float = SUGGEST_MIN,
) -> list[tuple[Hashable, float]]:
    """The candidates (id, text) most similar to `text` with a score of at least `min_score`,
    best first: the proposed duplicates of a new question. The same ranking as a `SimilarIndex`
    of the candidates, without building one: for a single question, the terms it shares with each
    candidate are cheaper to find than a matrix is to build."""
    sig = text if isinstance(text, Signature) else signature(text)
    query = word_vector(sig)
    if not sig.words or limit <= 0 or not query:
        return []
    cosines: list[tuple[float, int, Signature]] = []
    for pos, (_, ctext) in enumerate(candidates):
        other, vector = compared(ctext)
        common = query.keys() & vector.keys()
        if common:
            cosines.append((sum(query[t] * vector[t] for t in common), pos, other))
    cosines.sort(key=lambda item: (-item[0], item[1]))
    ranked = _ranked(sig, [(pos, other, cosine) for cosine, pos, other in cosines[:_RESCORE]], min_score)
    return [(candidates[pos][0], score) for score, pos in ranked[:limit]]


def similar_all(items: Sequence[tuple[Hashable, str]], top: int = 5) -> list[list[tuple[Hashable, float]]]:
    """For each item (id, text), the `top` most similar other items, best first."""
    index = SimilarIndex()
    for item_id, text in items:
        index.add(item_id, text)
    return [index.query(text, top=top, skip=pos) for pos, (_, text) in enumerate(items)]

"""Speed of the NLP side: throughput of the intake path (normalise -> classify -> suggested
duplicates among the meeting's open questions) beside bare underthesea.word_tokenize, the latency
of classifying one question, of `similar` for one question against 100.000 open questions, and
of automatic grouping of 10.000 and 100.000 questions.

Questions are synthetic variants of the corpus lines, made here (no download).
Usage: python bench/bench_nlp.py [--sizes 2000] [--open 100000] [--group-sizes 10000 100000]
       python bench/bench_nlp.py --quick     # 500 questions, 20.000 open, grouping 2.000 / 20.000
Prints one JSON line (with the load average before and after), then a short table. The goals
(similar against 100.000, grouping 100.000) are measured only by the full run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

from nlp.classify import train
from nlp.corpus import load_corpus
from nlp.grouping import group
from nlp.signature import signature
from nlp.similar import SimilarIndex
from nlp.text import normalize, strip_diacritics

MEETING_SIZE = 226  # 176.386 opinions over 779 meetings in the seed's five-year table
BATCH = 64

_SHORT = {"không": "ko", "được": "dc", "em": "e", "người": "ng", "bảo hiểm y tế": "bhyt", "ủy ban nhân dân": "UBND"}
_PREFIXES = ["", "", "Cho em hỏi ", "Xin hỏi ", "cho tui hỏi ", "Kính gửi lãnh đạo, ", "Dạ "]
_SUFFIXES = ["", "", " ạ", " vậy?", ", mong được trả lời sớm", " cảm ơn", "!!!"]


def corpus_lines() -> list[str]:
    return [text for text, _ in load_corpus()]


def variant(text: str, rng: random.Random) -> str:
    if rng.random() < 0.3:
        for long, short in _SHORT.items():
            text = text.replace(long, short)
    text = rng.choice(_PREFIXES) + text + rng.choice(_SUFFIXES)
    if rng.random() < 0.5:
        text += f" ở ấp {rng.randint(1, 12)}"
    if rng.random() < 0.2:
        words = text.split()
        i = rng.randrange(len(words))
        if len(words[i]) > 3:
            w = words[i]
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        text = " ".join(words)
    if rng.random() < 0.4:
        text = strip_diacritics(text)
    return text


def questions(n: int, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    lines = corpus_lines()
    return [variant(rng.choice(lines), rng) for _ in range(n)]


def bench_floor(texts: list[str]) -> float:
    from underthesea import word_tokenize

    started = time.perf_counter()
    for text in texts:
        word_tokenize(text)
    return len(texts) / (time.perf_counter() - started)


def bench_intake(texts: list[str], classifier: object) -> tuple[float, int]:
    """Questions/s for normalise -> classify (micro-batches) -> duplicate check against the
    open questions of the same meeting; returns (rate, proposed duplicates)."""
    from nlp.classify import Classifier

    assert isinstance(classifier, Classifier)
    proposed = 0
    index = SimilarIndex()
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        batch = [normalize(t) for t in texts[start : start + BATCH]]
        classifier.predict_normalized(batch)
        for offset, norm in enumerate(batch):
            position = start + offset
            if position % MEETING_SIZE == 0:
                index = SimilarIndex()
            sig = signature(norm, normalized=True)
            if index.query(sig, top=5, min_score=0.25):
                proposed += 1
            index.add(position, sig)
    return len(texts) / (time.perf_counter() - started), proposed


def bench_latency(texts: list[str], classifier: object) -> dict[str, float]:
    from nlp.classify import Classifier

    assert isinstance(classifier, Classifier)
    for text in texts[:20]:
        classifier.predict(text)
    times = []
    for text in texts:
        started = time.perf_counter()
        classifier.predict(text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
        "max_ms": round(times[-1], 3),
    }


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
        "max_ms": round(times[-1], 3),
    }


def bench_similar(n_open: int, n_queries: int = 300) -> dict[str, float]:
    """`similar` for one new question against `n_open` open questions already indexed."""
    index = SimilarIndex()
    for i, text in enumerate(questions(n_open, seed=n_open)):
        index.add(i, text)
    queries = questions(n_queries, seed=11)
    index.query(queries[0])  # builds the matrix once, as the first query after loading does
    times = []
    for text in queries:
        started = time.perf_counter()
        index.query(text, top=5)
        times.append((time.perf_counter() - started) * 1000)
    return _percentiles(times)


def bench_grouping(n: int) -> tuple[float, int]:
    items = list(enumerate(questions(n, seed=n)))
    started = time.perf_counter()
    hits = group(items)
    return time.perf_counter() - started, len({h.group for h in hits})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000])
    parser.add_argument("--open", type=int, default=100_000, help="open questions `similar` searches")
    parser.add_argument("--group-sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to check direction in a minute or two")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.open, args.group_sizes = [500], 20_000, [2_000, 20_000]
    load_before = os.getloadavg()

    started = time.perf_counter()
    classifier = train(None, None, None)
    train_seconds = time.perf_counter() - started
    group(list(enumerate(questions(500, seed=1))))  # load word weights before timing

    result: dict[str, object] = {"bench": "nlp", "train_seconds": round(train_seconds, 2)}
    rows = []
    for size in args.sizes:
        texts = questions(size)
        floor = bench_floor(texts)
        rate, proposed = bench_intake(texts, classifier)
        result[f"intake_{size}"] = {
            "questions_per_s": round(rate, 1),
            "word_tokenize_per_s": round(floor, 1),
            "ratio_to_floor": round(rate / floor, 3),
            "proposed_duplicates": proposed,
        }
        rows.append((f"intake {size}", f"{rate:,.0f} q/s", f"word_tokenize {floor:,.0f} q/s", f"x{rate / floor:.2f}"))
    latency = bench_latency(questions(1000, seed=7), classifier)
    result["classify_one"] = latency
    rows.append(("classify one", f"p50 {latency['p50_ms']} ms", f"p95 {latency['p95_ms']} ms", ""))
    similar = bench_similar(args.open)
    result[f"similar_one_vs_{args.open}"] = similar
    rows.append((f"similar vs {args.open}", f"p50 {similar['p50_ms']} ms", f"p95 {similar['p95_ms']} ms", ""))
    small, large = args.group_sizes
    t_small, g_small = bench_grouping(small)
    t_large, g_large = bench_grouping(large)
    result["grouping"] = {
        f"seconds_{small}": round(t_small, 2),
        f"seconds_{large}": round(t_large, 2),
        "ratio": round(t_large / t_small, 2),
        f"groups_{small}": g_small,
        f"groups_{large}": g_large,
    }
    rows.append(
        (f"group {small}", f"{t_small:.1f} s", f"group {large} {t_large:.1f} s", f"ratio {t_large / t_small:.1f}")
    )
    result["load_average"] = {"before": [round(x, 2) for x in load_before],
                              "after": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(result, ensure_ascii=False))
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (1 min)")
    for row in rows:
        print(f"{row[0]:<16}{row[1]:>16}  {row[2]:<28}{row[3]}")


if __name__ == "__main__":
    main()

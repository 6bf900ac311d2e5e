"""An analyzer's bulk work (classifying a batch, grouping a meeting's duplicates) in worker processes.

Each worker holds its own copy of the analyzer, handed over once when it starts; the caller sends
texts and gets the answers back in the order it asked, so the result does not depend on how many
workers ran. With no workers the same calls run in this process.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import get_context
from types import TracebackType

from storage.analysis import Analysis, BulkAnalyzer

PARENT_CHECK_SECONDS = 0.5
Items = Sequence[tuple[int, str]]
Hits = list[tuple[int, int, float]]

# The analyzer of a worker process, set when it starts.
_worker: dict[str, BulkAnalyzer] = {}


def _start_worker(analyzer: BulkAnalyzer, parent: int) -> None:
    _worker["analyzer"] = analyzer
    # Ctrl-C reaches the whole process group: the importing process stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_leave_with, args=(parent,), daemon=True).start()


def _leave_with(parent: int) -> None:
    """Ends the worker when the importing process is gone (killed), instead of working on for nobody."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _analyze(texts: Sequence[str]) -> list[Analysis]:
    return _worker["analyzer"].analyze_many(texts)


def _group(items: Items) -> Hits:
    return _worker["analyzer"].group_duplicates(items)


class AnalysisPool:
    """`analyze_many` and `group_duplicates` of `analyzer` in `workers` processes (0: in this one)."""

    def __init__(self, analyzer: BulkAnalyzer, workers: int = 0) -> None:
        self.analyzer = analyzer
        self.workers = max(0, workers)
        self._executor: Executor | None = None
        if self.workers:
            # spawn, not fork: the importing process may run threads (a progress bar) holding locks.
            self._executor = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"),
                                                 initializer=_start_worker, initargs=(analyzer, os.getpid()))

    def analyze_many(self, texts: Sequence[str]) -> Future[list[Analysis]]:
        if self._executor is not None and texts:
            return self._executor.submit(_analyze, list(texts))
        done: Future[list[Analysis]] = Future()
        done.set_result(self.analyzer.analyze_many(texts))
        return done

    def group_duplicates(self, groups: Sequence[Items]) -> Iterator[Hits]:
        """`group_duplicates` of each group of items, in order."""
        if self._executor is None:
            return (self.analyzer.group_duplicates(items) for items in groups)
        chunk = max(1, len(groups) // (self.workers * 8))
        return self._executor.map(_group, groups, chunksize=chunk)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

"""Retry a short database transaction that met a busy database (SQLite's single writer, a failover)."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from storage.errors import DatabaseUnavailable

T = TypeVar("T")
BUSY = (DatabaseUnavailable, OperationalError)


class WriterQueue:
    """SQLite takes one writer at a time; queueing this process's writers here avoids most
    "database is locked" answers (another process can still hold the lock, hence the retries).

    An urgent writer goes before every waiting one: recording that a message was delivered must not
    wait behind a queue of conversation turns, or a crash in between sends that message again.
    A finishing writer hands its turn to the next one directly, waking only that one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = False
        self._urgent: deque[threading.Lock] = deque()
        self._waiting: deque[threading.Lock] = deque()

    @contextmanager
    def turn(self, *, urgent: bool = False) -> Iterator[None]:
        gate: threading.Lock | None = None
        with self._lock:
            if self._busy:
                gate = threading.Lock()
                gate.acquire()
                (self._urgent if urgent else self._waiting).append(gate)
            else:
                self._busy = True
        if gate is not None:
            gate.acquire()  # released by the writer before us, which handed its turn to us
        try:
            yield
        finally:
            with self._lock:
                queue = self._urgent or self._waiting
                following = queue.popleft() if queue else None
                self._busy = following is not None
            if following is not None:
                following.release()


sqlite_writer = WriterQueue()


def retrying(fn: Callable[[], T], *, attempts: int = 5, base: float = 0.05, sqlite: bool = False,
             urgent: bool = False) -> T:
    for attempt in range(attempts):
        try:
            if sqlite:
                with sqlite_writer.turn(urgent=urgent):
                    return fn()
            return fn()
        except BUSY:
            if attempt == attempts - 1:
                raise
            time.sleep(base * (2 ** attempt) * (1 + random.random()))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")

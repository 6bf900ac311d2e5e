"""Retry a short database transaction that met a busy database (SQLite's single writer, a failover)."""

from __future__ import annotations

import random
import threading
import time
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
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._urgent = 0

    @contextmanager
    def turn(self, *, urgent: bool = False) -> Iterator[None]:
        with self._cond:
            self._urgent += urgent
            while self._busy or (self._urgent and not urgent):
                self._cond.wait()
            self._urgent -= urgent
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


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

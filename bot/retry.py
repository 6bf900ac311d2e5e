"""Retry a short database transaction that met a busy database (SQLite's single writer, a failover)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from storage.errors import DatabaseUnavailable

T = TypeVar("T")
BUSY = (DatabaseUnavailable, OperationalError)
# SQLite takes one writer at a time; queueing this process's writers here avoids most
# "database is locked" answers (another process can still hold the lock, hence the retries).
sqlite_writer = threading.Lock()


def retrying(fn: Callable[[], T], *, attempts: int = 5, base: float = 0.05, sqlite: bool = False) -> T:
    for attempt in range(attempts):
        try:
            if sqlite:
                with sqlite_writer:
                    return fn()
            return fn()
        except BUSY:
            if attempt == attempts - 1:
                raise
            time.sleep(base * (2 ** attempt) * (1 + random.random()))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")

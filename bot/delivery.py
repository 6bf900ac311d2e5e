"""The outbox worker: claims due rows, sends them through their channel, retries, keeps rate limits.

Answers to web-chat citizens are not sent by this worker: the chat page fetches them (webchat.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from bot.context import BotHost
from bot.errors import BotError
from bot.retry import retrying
from storage import queue
from storage.actions import delivery
from storage.db import is_postgres
from telemetry.metrics import DELIVERIES, RATE_LIMITED

log = logging.getLogger("doithoai.delivery")


class SendError(BotError):
    """A failed send, translated from the channel's own errors at its boundary."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Sender(Protocol):
    channel: str
    rate_per_second: float
    rate_per_chat: float

    async def send(self, chat_id: str, text: str) -> None: ...


class RateLimiter:
    """Spaces sends: at most `per_second` in all and `per_chat` to one chat; FIFO within a chat.

    It aims a few per cent under the limits, because network jitter bunches requests on the way.
    """

    MARGIN = 1.04

    def __init__(self, per_second: float, per_chat: float) -> None:
        self.interval = self.MARGIN / per_second if per_second > 0 else 0.0
        self.chat_interval = self.MARGIN / per_chat if per_chat > 0 else 0.0
        self._next = 0.0
        self._next_chat: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """The platform said "too many requests": nothing leaves before `seconds` from now."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def acquire(self, chat_id: str) -> None:
        now = time.monotonic()
        chat_slot = max(now, self._next_chat.get(chat_id, 0.0))
        self._next_chat[chat_id] = chat_slot + self.chat_interval
        if len(self._next_chat) > 50_000:
            self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}
        if chat_slot > now:
            await asyncio.sleep(chat_slot - now)
        # One departure at a time, spaced from the previous actual departure: a stalled event
        # loop then cannot release a burst of sends that all waited for their turn.
        async with self._lock:
            while True:
                wait = max(self._next, self._paused_until) - time.monotonic()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            # Keep to the planned pace despite timer lateness, but never closer than half a step.
            now = time.monotonic()
            self._next = max(self._next + self.interval, now + self.interval / 2)


@dataclass(frozen=True)
class Job:
    id: int
    channel: str
    chat_id: str
    text: str
    key: str
    attempts: int


class DeliveryWorker:
    """`consume(job)` sends one row; `run(stop)` keeps a window of sends in flight until stopped."""

    def __init__(self, ctx: BotHost, senders: dict[str, Sender], *, window: int = 200,
                 worker_id: str | None = None) -> None:
        self.ctx = ctx
        self.senders = senders
        self.window = window
        self.worker_id = worker_id or uuid.uuid4().hex[:8]
        self.limiters = {name: RateLimiter(s.rate_per_second, s.rate_per_chat) for name, s in senders.items()}
        self.max_attempts = ctx.settings.outbox_max_attempts
        self.sqlite = not is_postgres(ctx.settings.database_url)
        self._sent: list[int] = []

    def claim(self, limit: int) -> list[Job]:
        if not self.senders:  # web-chat rows are fetched by the page, never claimed here
            return []

        def once() -> list[Job]:
            with self.ctx.transaction() as session:
                rows = queue.claim_outbox(session, limit=limit, channels=tuple(self.senders))
                return [Job(r.id, r.channel, r.chat_id, r.text, r.idempotency_key, r.attempts) for r in rows]

        return retrying(once, sqlite=self.sqlite)

    async def consume(self, job: Job) -> None:
        sender = self.senders[job.channel]
        limiter = self.limiters[job.channel]
        await limiter.acquire(job.chat_id)
        try:
            await sender.send(job.chat_id, job.text)
        except SendError as exc:
            if exc.retry_after is not None:
                RATE_LIMITED.labels(job.channel).inc()
                limiter.pause(exc.retry_after)
                await asyncio.to_thread(self._record, delivery.postpone, job.id, exc.retry_after, exc.message)
            else:
                await asyncio.to_thread(self._failed, job.id, exc.message, exc.permanent)
            return
        except Exception as exc:
            log.exception("sending outbox row %s failed", job.id)
            await asyncio.to_thread(self._failed, job.id, f"{type(exc).__name__}: {exc}", False)
            return
        DELIVERIES.labels(job.channel).inc()
        self._sent.append(job.id)

    def _record(self, fn: Callable[..., None], *args: object) -> None:
        """Write the outcome; retried hard, since a lost "delivered" mark means a second send."""
        def once() -> None:
            with self.ctx.transaction() as session:
                fn(session, *args)

        retrying(once, attempts=10, sqlite=self.sqlite)

    async def flush(self) -> None:
        """Mark what was sent as delivered, many rows per transaction."""
        if not self._sent:
            return
        done, self._sent = self._sent, []

        def mark_all(session: Session) -> None:
            for outbox_id in done:
                queue.mark_delivered(session, outbox_id)

        await asyncio.to_thread(self._record, mark_all)

    def _failed(self, outbox_id: int, reason: str, permanent: bool) -> None:
        self._record(lambda session, *_: queue.mark_failed(session, outbox_id, reason, max_attempts=self.max_attempts,
                                                           permanent=permanent))

    async def run(self, stop: asyncio.Event) -> None:
        inflight: set[asyncio.Task[None]] = set()
        poll = self.ctx.settings.outbox_poll_seconds
        while not stop.is_set():
            await self.flush()
            jobs: list[Job] = []
            if len(inflight) < self.window:
                try:
                    jobs = await asyncio.to_thread(self.claim, self.window - len(inflight))
                except Exception:
                    log.warning("could not claim outbox rows; trying again", exc_info=True)
            for job in jobs:
                inflight.add(asyncio.create_task(self.consume(job)))
            if inflight:
                _, inflight = await asyncio.wait(inflight, timeout=poll if not jobs else 0.05,
                                                    return_when=asyncio.FIRST_COMPLETED)
            elif not jobs:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll)
        if inflight:
            await asyncio.wait(inflight)
        await self.flush()

"""The outbox worker: sends outbox rows through their channel, with retries, rate limits and leases.

Every message to a citizen is an outbox row. Rows come to a worker two ways: a conversation turn
in this process hands over the replies it just wrote (already claimed for this worker in the
turn's transaction, so a reply leaves at once), and `run` claims due rows from the database (an
organiser's answer, a retry after a 429, a reply left by a process that died) every
`outbox_poll_seconds`, or at once when nudged (a turn wrote replies it could not hand over) or when
a full window frees up. A finished send only wakes `run` to record it as delivered: claiming after
every send cost two writer transactions per message while nothing was due.

A chat's messages leave in order: one chat's jobs run one after another, and when one fails the
later ones are given back to wait behind it. A worker renews its leases while rows wait, and
checks its lease before each send, so no row is ever sent by two workers.

Web-chat rows are not sent by this worker: the chat page fetches them (webchat.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot.context import BotHost
from bot.errors import BotError
from bot.limits import Limiter, RateLimiter, SharedRateLimiter
from bot.messages import Outgoing
from bot.retry import retrying
from storage import queue
from storage.actions import delivery
from storage.clock import utcnow
from storage.db import is_postgres
from storage.models import Outbox
from telemetry.metrics import DELIVERIES, RATE_LIMITED

log = logging.getLogger("doithoai.delivery")
# A send may take this long (the senders' timeouts): a lease must outlast it.
SEND_SECONDS = 35.0


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

    async def send(self, chat_id: str, out: Outgoing) -> None: ...


@dataclass(frozen=True)
class Job:
    id: int
    channel: str
    chat_id: str
    out: Outgoing
    attempts: int

    @classmethod
    def of(cls, row: Outbox) -> Job:
        out = Outgoing.from_dict({"text": row.text, "buttons": row.buttons or []})
        if row.question_id is not None:
            out = replace(out, console_path=f"/questions/{row.question_id}")
        return cls(row.id, row.channel, row.chat_id, out, row.attempts)


_local: dict[int, DeliveryWorker] = {}


def local_worker(ctx: BotHost) -> DeliveryWorker | None:
    """The worker running in this process for `ctx`, to which a turn hands its replies."""
    return _local.get(id(ctx))


class DeliveryWorker:
    """`consume(job)` sends one row; `run(stop)` renews leases and claims due rows until stopped."""

    def __init__(self, ctx: BotHost, senders: dict[str, Sender], *, window: int = 200,
                 worker_id: str | None = None, shared_limits: bool | None = None,
                 lease: timedelta = delivery.LEASE) -> None:
        self.ctx = ctx
        self.lease = lease
        self.renew_every = lease.total_seconds() / 6
        self.senders = senders
        self.window = window
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.sqlite = not is_postgres(ctx.settings.database_url)
        shared = not self.sqlite if shared_limits is None else shared_limits
        self.limiters: dict[str, Limiter] = {
            name: SharedRateLimiter(ctx, name, s.rate_per_second, s.rate_per_chat) if shared
            else RateLimiter(s.rate_per_second, s.rate_per_chat)
            for name, s in senders.items()
        }
        self.max_attempts = ctx.settings.outbox_max_attempts
        self._sent: list[int] = []
        self._held: dict[int, float] = {}  # job id -> when (time.monotonic) our lease may run out
        self._tails: dict[tuple[str, str], asyncio.Task[bool]] = {}
        self._inflight: set[asyncio.Task[bool]] = set()
        self._wake = asyncio.Event()
        self._claim_soon = True

    # --- Taking jobs ---------------------------------------------------------------------------

    def attach(self) -> None:
        """Turns in this process hand their replies to this worker from now on."""
        _local[id(self.ctx)] = self

    def detach(self) -> None:
        if _local.get(id(self.ctx)) is self:
            del _local[id(self.ctx)]

    def claim(self, limit: int) -> list[Job]:
        if not self.senders:  # web-chat rows are fetched by the page, never claimed here
            return []
        if self.sqlite and not self._any_due():
            return []

        def once() -> list[Job]:
            with self.ctx.transaction() as session:
                rows = delivery.claim(session, self.worker_id, limit=limit, channels=tuple(self.senders),
                                      lease=self.lease)
                return [Job.of(r) for r in rows]

        started = time.monotonic()
        jobs = retrying(once, sqlite=self.sqlite)
        self._hold([j.id for j in jobs], started)
        return jobs

    def _any_due(self) -> bool:
        """Whether a row is due, read without queueing for SQLite's single writer (WAL readers don't wait)."""
        with self.ctx.transaction() as session:
            return bool(queue.due_outbox(session, limit=1, now=utcnow(), channels=tuple(self.senders)))

    def nudge(self) -> None:
        """Claim due rows now rather than at the next poll (a turn wrote replies it could not hand over)."""
        self._claim_soon = True
        self._wake.set()

    def _hold(self, ids: Iterable[int], since: float) -> None:
        until = since + self.lease.total_seconds() * 0.9
        for i in ids:
            self._held[i] = until

    def hand(self, jobs: list[Job], *, claimed_at: float | None = None) -> list[asyncio.Task[bool]]:
        """Send these claimed jobs now, each chat's in order (call on the event loop)."""
        if claimed_at is not None:
            self._hold([j.id for j in jobs], claimed_at)
        tasks = []
        for job in jobs:
            key = (job.channel, job.chat_id)
            previous = self._tails.get(key)
            task = asyncio.create_task(self._after(previous if previous and not previous.done() else None, job))
            self._tails[key] = task
            self._inflight.add(task)
            task.add_done_callback(self._done)
            tasks.append(task)
        if len(self._tails) > 10_000:
            self._tails = {k: t for k, t in self._tails.items() if not t.done()}
        return tasks

    def _done(self, task: asyncio.Task[bool]) -> None:
        self._inflight.discard(task)
        if len(self._inflight) == self.window - 1:
            self._claim_soon = True  # the window was full: due rows may be waiting for room
        self._wake.set()  # to record the delivery

    async def _after(self, previous: asyncio.Task[bool] | None, job: Job) -> bool:
        if previous is not None and not await previous:
            # An older message to this chat did not go out: this one waits behind it in the database.
            await asyncio.to_thread(self._record, delivery.release, job.id, self.worker_id)
            self._held.pop(job.id, None)
            return False
        try:
            return await self.consume(job)
        except Exception:
            log.exception("outbox row %s: unexpected failure", job.id)
            return False

    # --- Sending one job -----------------------------------------------------------------------

    async def consume(self, job: Job) -> bool:
        """Send one claimed row and record the outcome; True when the platform accepted it."""
        sender = self.senders[job.channel]
        limiter = self.limiters[job.channel]
        await limiter.acquire(job.chat_id)
        if not await self._still_held(job.id):
            log.info("outbox row %s: lease lost while waiting; another worker has it", job.id)
            return False
        try:
            await sender.send(job.chat_id, job.out)
        except SendError as exc:
            self._held.pop(job.id, None)
            if exc.retry_after is not None:
                RATE_LIMITED.labels(job.channel).inc()
                limiter.pause(exc.retry_after)
                await asyncio.to_thread(self._record, self._postpone, job.id, exc.retry_after, exc.message)
            else:
                await asyncio.to_thread(self._failed, job.id, exc.message, exc.permanent)
            return False
        except Exception as exc:
            self._held.pop(job.id, None)
            log.exception("sending outbox row %s failed", job.id)
            await asyncio.to_thread(self._failed, job.id, f"{type(exc).__name__}: {exc}", False)
            return False
        self._held.pop(job.id, None)
        DELIVERIES.labels(job.channel).inc()
        self._sent.append(job.id)
        return True

    async def _still_held(self, outbox_id: int) -> bool:
        """Whether our lease covers a send starting now; renewed first when it is close to its end."""
        until = self._held.get(outbox_id)
        if until is None:
            return False
        if time.monotonic() + SEND_SECONDS < until:
            return True
        started = time.monotonic()
        held = await asyncio.to_thread(self._renew, [outbox_id])
        if outbox_id in held:
            self._hold([outbox_id], started)
            return True
        self._held.pop(outbox_id, None)
        return False

    def _renew(self, ids: list[int]) -> set[int]:
        def once() -> set[int]:
            with self.ctx.transaction() as session:
                return delivery.renew(session, ids, self.worker_id, lease=self.lease)

        return retrying(once, sqlite=self.sqlite)

    async def renew_leases(self) -> None:
        """Extend the leases of every row still waiting here (a paused channel, a slow chat)."""
        ids = list(self._held)
        if not ids:
            return
        started = time.monotonic()
        try:
            held = await asyncio.to_thread(self._renew, ids)
        except Exception:
            log.warning("could not renew outbox leases; sends check them one by one", exc_info=True)
            return
        self._hold([i for i in held if i in self._held], started)
        for i in ids:
            if i not in held:
                self._held.pop(i, None)

    # --- Recording outcomes --------------------------------------------------------------------

    def _record(self, fn: Callable[..., None], *args: object) -> None:
        """Write the outcome; retried hard, since a lost "delivered" mark means a second send."""
        def once() -> None:
            with self.ctx.transaction() as session:
                fn(session, *args)

        retrying(once, attempts=10, sqlite=self.sqlite, urgent=True)

    def _postpone(self, session: Session, outbox_id: int, seconds: float, reason: str) -> None:
        delivery.postpone(session, outbox_id, seconds, reason, worker=self.worker_id)

    def _failed(self, outbox_id: int, reason: str, permanent: bool) -> None:
        self._record(lambda session: delivery.mark_failed(
            session, outbox_id, reason, max_attempts=self.max_attempts, permanent=permanent, worker=self.worker_id))

    async def idle(self) -> None:
        """Wait until every job handed so far has been sent (or given up) and recorded."""
        while self._inflight:
            await asyncio.wait(set(self._inflight))
        await self.flush()

    async def flush(self) -> None:
        """Mark what was sent as delivered, many rows per transaction."""
        if not self._sent:
            return
        done, self._sent = self._sent, []
        await asyncio.to_thread(self._record, delivery.mark_delivered, done)

    # --- The loop ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, claiming: bool = True) -> None:
        """Until `stop`: flush, renew leases, claim due rows (unless only handed jobs are sent here)."""
        poll = self.ctx.settings.outbox_poll_seconds
        renewed = time.monotonic()
        claimed = float("-inf")
        self._wake = asyncio.Event()
        self._claim_soon = True
        waker = asyncio.create_task(self._wake_on(stop))
        try:
            while not stop.is_set():
                self._wake.clear()  # before the work: a wake during it means another round
                await self.flush()
                if time.monotonic() - renewed >= self.renew_every:
                    renewed = time.monotonic()
                    await self.renew_leases()
                jobs: list[Job] = []
                due = self._claim_soon or time.monotonic() - claimed >= poll
                if claiming and due and len(self._inflight) < self.window:
                    self._claim_soon = False
                    claimed = time.monotonic()
                    try:
                        jobs = await asyncio.to_thread(self.claim, self.window - len(self._inflight))
                    except Exception:
                        log.warning("could not claim outbox rows; trying again", exc_info=True)
                    self._claim_soon = self._claim_soon or bool(jobs)  # a full batch: more may be due
                self.hand(jobs)
                # Until the next poll or lease renewal; with the window full, until a send frees a place.
                next_claim = claimed + poll if claiming and len(self._inflight) < self.window else float("inf")
                wait = 0.05 if jobs else max(0.0, min(next_claim, renewed + self.renew_every) - time.monotonic())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
            if self._inflight:
                await asyncio.wait(self._inflight)
            await self.flush()
        finally:
            waker.cancel()

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

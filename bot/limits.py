"""Send rates: at most so many messages per second on a channel and to one chat.

`RateLimiter` keeps the pace inside one process. `SharedRateLimiter` keeps it across every worker
process through the database (PostgreSQL), so N workers together stay under the platform's limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from bot.context import BotHost
from bot.retry import BUSY, retrying
from storage.actions import ratelimits

log = logging.getLogger("doithoai.delivery")
# Aim a few per cent under the limits: network jitter bunches requests on the way.
MARGIN = 1.04
# A chat may get this many messages at once (a reply in two parts, a reply and a notice), then one
# per 1/per_chat seconds: Telegram "may allow short bursts" over one message a second in a chat
# (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
CHAT_BURST = 3


class Limiter(Protocol):
    def pause(self, seconds: float) -> None: ...

    async def acquire(self, chat_id: str) -> None: ...


class RateLimiter:
    """Spaces sends: at most `per_second` in all and `per_chat` to one chat; FIFO within a chat."""

    def __init__(self, per_second: float, per_chat: float) -> None:
        self.interval = MARGIN / per_second if per_second > 0 else 0.0
        self.chat_interval = MARGIN / per_chat if per_chat > 0 else 0.0
        self.chat_burst = (CHAT_BURST - 1) * self.chat_interval
        self._next = 0.0
        self._next_chat: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """The platform said "too many requests": nothing leaves before `seconds` from now."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def wait_pause(self) -> None:
        while (wait := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    async def acquire(self, chat_id: str) -> None:
        now = time.monotonic()
        # The chat's theoretical next moment moves on by one interval per send; a send may leave
        # up to `chat_burst` ahead of it (the generic cell rate algorithm).
        due = self._next_chat.get(chat_id, 0.0)
        chat_slot = max(now, due - self.chat_burst)
        self._next_chat[chat_id] = max(due, now) + self.chat_interval
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


class SharedRateLimiter:
    """The pace of one channel shared by every process through the database's `rate_slots`.

    Each send reserves the channel's and the chat's next slots in one statement and waits for the
    later of the two; a 429 pushes the channel's next slot past the pause for every process.
    """

    RETAKES = 3
    PAUSE_CHECK = 1.0
    """With no pace to keep, the seconds between two readings of the shared pause."""

    def __init__(self, ctx: BotHost, channel: str, per_second: float, per_chat: float) -> None:
        self.ctx = ctx
        self.channel = channel
        self.step = MARGIN / per_second if per_second > 0 else 0.0
        self.chat_step = MARGIN / per_chat if per_chat > 0 else 0.0
        self.chat_burst = (CHAT_BURST - 1) * self.chat_step
        self.local = RateLimiter(0, 0)  # only its pause: what this process learnt from a 429
        self._writes: set[asyncio.Task[None]] = set()
        self._pause_read = float("-inf")

    def _steps(self, chat_id: str) -> dict[str, tuple[float, float]]:
        steps = {self.channel: (self.step, 0.0)}
        if self.chat_step > 0:
            steps[f"{self.channel}:{chat_id}"] = (self.chat_step, self.chat_burst)
        return steps

    def _reserve(self, chat_id: str) -> float:
        def once() -> float:
            with self.ctx.transaction() as session:
                return ratelimits.reserve(session, self._steps(chat_id))

        return retrying(once, attempts=10)

    def pause(self, seconds: float) -> None:
        """Pause here at once, and tell the other processes (in the background)."""
        self.local.pause(seconds)
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(self._share_pause, seconds))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    def _share_pause(self, seconds: float) -> None:
        def write() -> None:
            with self.ctx.transaction() as session:
                ratelimits.pause(session, self.channel, seconds)

        try:
            retrying(write)
        except BUSY:
            log.warning("could not share a %s pause of %.1f s; this process keeps it", self.channel, seconds)

    def _read_pause(self) -> float:
        def read() -> float:
            with self.ctx.transaction() as session:
                return ratelimits.paused_for(session, self.channel)

        return retrying(read, attempts=10)

    async def _follow_pause(self) -> None:
        """Limits lifted: no slot to reserve per send, only another process's 429 pause to keep,
        read now and then instead of in a transaction per send."""
        now = time.monotonic()
        if now - self._pause_read >= self.PAUSE_CHECK:
            self._pause_read = now
            wait = await asyncio.to_thread(self._read_pause)
            if wait > 0:
                self.local.pause(wait)
        await self.local.wait_pause()

    async def acquire(self, chat_id: str) -> None:
        """Wait for this send's slot. A send that wakes up well after its slot (a stalled process)
        takes a fresh one rather than leaving in a burst with the sends of the slots after it."""
        if self.step == 0 and self.chat_step == 0:
            await self._follow_pause()
            return
        for _ in range(self.RETAKES):
            await self.local.wait_pause()
            wait = await asyncio.to_thread(self._reserve, chat_id)
            due = time.monotonic() + wait
            if wait > 0:
                await asyncio.sleep(wait)
            if time.monotonic() - due <= max(self.step, 0.02):
                break
        await self.local.wait_pause()

    def sweep(self) -> None:
        with self.ctx.transaction() as session:
            ratelimits.sweep(session)

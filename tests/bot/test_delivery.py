"""The outbox worker: exactly-once delivery through 429 and 500 answers, rate limits, failures recorded."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bot import limits
from bot.channels import zalo
from bot.delivery import DeliveryWorker, SendError
from bot.limits import CHAT_BURST, MARGIN, RateLimiter
from bot.messages import Outgoing
from harness.bot import BotTestContext, make_context
from harness.servers import serve_app
from storage.actions.outbox import enqueue
from storage.models import Outbox, RateSlot
from tests.bot.zalo_emulator import ZaloEmulator


def fill(ctx: BotTestContext, channel: str, n: int, chats: int) -> None:
    with ctx.transaction() as s:
        for i in range(n):
            enqueue(s, channel=channel, chat_id=f"c{i % chats}", text=f"Trả lời số {i}", key=f"t:{i}")


def statuses(ctx: BotTestContext) -> Counter[str]:
    with ctx.transaction() as s:
        return Counter(s.scalars(select(Outbox.status)))


def progress(ctx: BotTestContext) -> tuple[int, int]:
    """(rows no longer pending, attempts made): either grows while the workers get on."""
    with ctx.transaction() as s:
        done = s.scalar(select(func.count()).select_from(Outbox).where(Outbox.status != "pending")) or 0
        return int(done), int(s.scalar(select(func.sum(Outbox.attempts))) or 0)


async def until_none_pending(ctx: BotTestContext, *tasks: asyncio.Task[None], stall: float = 30.0) -> None:
    """Until no row is pending, or the workers ended or made no progress for `stall` seconds (a busy
    machine is slow, a stuck worker makes none at all); the caller's assertions say what was left."""
    seen, last = progress(ctx), time.monotonic()
    while statuses(ctx).get("pending", 0) and not any(t.done() for t in tasks):
        await asyncio.sleep(0.1)
        if (now := progress(ctx)) != seen:
            seen, last = now, time.monotonic()
        elif time.monotonic() - last > stall:
            return


async def run_until_done(*workers: DeliveryWorker, ctx: BotTestContext) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    await until_none_pending(ctx, *tasks)
    stop.set()
    await asyncio.gather(*tasks)


async def test_429_and_500_deliver_every_message_exactly_once(ctx: BotTestContext) -> None:
    ctx.settings.outbox_poll_seconds = 0.1
    emu = ZaloEmulator(failures=[429, 500, 500, 429, 500] * 4)
    fill(ctx, "zalo", 60, chats=20)
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        worker = DeliveryWorker(ctx, {"zalo": zalo.ZaloSender(client, rate_per_second=200)})
        await run_until_done(worker, ctx=ctx)
        await client.aclose()
    assert statuses(ctx) == Counter({"sent": 60})
    counts = Counter(text for _chat, text in emu.sent)
    assert len(counts) == 60 and set(counts.values()) == {1}
    assert emu.calls["sendMessage"] == 60 + 20


class FlakySender:
    channel = "telegram"
    rate_per_second = 1000.0
    rate_per_chat = 0.0

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_id: str, out: Outgoing) -> None:
        if "blocked" in chat_id:
            raise SendError("Telegram từ chối: bot was blocked by the user", permanent=True)
        if "down" in chat_id:
            raise SendError("Lỗi mạng tới Telegram")
        self.sent.append(out.text)


async def test_failures_are_recorded_with_their_reason(ctx: BotTestContext) -> None:
    ctx.settings.outbox_max_attempts = 1
    ctx.settings.outbox_poll_seconds = 0.1
    with ctx.transaction() as s:
        enqueue(s, channel="telegram", chat_id="blocked", text="a", key="k1")
        enqueue(s, channel="telegram", chat_id="down", text="b", key="k2")
        enqueue(s, channel="telegram", chat_id="ok", text="c", key="k3")
    sender = FlakySender()
    await run_until_done(DeliveryWorker(ctx, {"telegram": sender}), ctx=ctx)
    with ctx.transaction() as s:
        rows = {r.chat_id: r for r in s.scalars(select(Outbox))}
        assert rows["blocked"].status == "failed" and "blocked" in (rows["blocked"].last_error or "")
        assert rows["down"].status == "failed" and "mạng" in (rows["down"].last_error or "")
        assert rows["ok"].status == "sent"
    assert sender.sent == ["c"]


async def test_web_rows_are_left_for_the_page(ctx: BotTestContext) -> None:
    ctx.settings.outbox_poll_seconds = 0.1
    fill(ctx, "web", 3, chats=1)
    worker = DeliveryWorker(ctx, {"telegram": FlakySender()})
    assert worker.claim(10) == []
    assert DeliveryWorker(ctx, {}).claim(10) == []  # no bot configured: `make run`


class VirtualClock:
    """The limiter's time, moved on only when every task waits: the earliest sleep then ends at once.
    What the limiter decides is measured exactly, however busy the machine is."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run(self, *steps: Awaitable[None]) -> None:
        task = asyncio.ensure_future(asyncio.gather(*steps))
        while not task.done():
            for _ in range(50):  # every task runs on until it sleeps, waits for the lock or is done
                await asyncio.sleep(0)
            if self._sleepers and not task.done():
                when, _, woken = heapq.heappop(self._sleepers)
                self.now = max(self.now, when)
                woken.set_result(None)
        await task


async def test_rate_limiter_spaces_sends_per_chat_and_overall(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = VirtualClock()
    monkeypatch.setattr(limits, "time", SimpleNamespace(monotonic=clock.monotonic))
    monkeypatch.setattr(limits, "asyncio", SimpleNamespace(sleep=clock.sleep, Lock=asyncio.Lock))
    left: list[tuple[str, float]] = []

    async def send(limiter: RateLimiter, chat: str) -> None:
        await limiter.acquire(chat)
        left.append((chat, clock.now))

    def gaps() -> list[float]:
        return [round(b[1] - a[1], 6) for a, b in itertools.pairwise(left)]

    step, chat_step = MARGIN / 50, MARGIN / 10
    limiter = RateLimiter(per_second=50, per_chat=10)
    await clock.run(*(send(limiter, "same") for _ in range(CHAT_BURST + 4)))
    # A short burst leaves at the overall pace (never closer than half a step), then the chat's own
    # pace holds: the k-th send leaves (k - burst + 1) chat intervals after the first.
    first = left[0][1]
    assert all(step / 2 <= gap <= step for gap in gaps()[: CHAT_BURST - 1])
    assert [when - first for _, when in left[CHAT_BURST:]] == [
        pytest.approx((k - CHAT_BURST + 1) * chat_step) for k in range(CHAT_BURST, CHAT_BURST + 4)]
    left.clear()
    limiter = RateLimiter(per_second=50, per_chat=0)
    await clock.run(*(send(limiter, f"c{i}") for i in range(26)))
    assert gaps()[0] >= step / 2 and gaps()[1:] == [pytest.approx(step)] * 24 and len(dict(left)) == 26
    left.clear()
    limiter.pause(0.3)
    paused_at = clock.now
    await clock.run(send(limiter, "x"))
    assert left[0][1] - paused_at == pytest.approx(0.3)


class LongPauseSender:
    """The platform answers 429 with a `retry_after` longer than a lease, for a while, then accepts."""

    channel = "zalo"
    rate_per_second = 1000.0
    rate_per_chat = 0.0

    def __init__(self, refusals: int, retry_after: float) -> None:
        self.refusals = refusals
        self.retry_after = retry_after
        self.sent: Counter[str] = Counter()

    async def send(self, chat_id: str, out: Outgoing) -> None:
        if self.refusals > 0:
            self.refusals -= 1
            raise SendError("Zalo 429: Too Many Requests", retry_after=self.retry_after)
        self.sent[out.text] += 1


@pytest.fixture
def pg_ctx(pg_database: str) -> Iterator[BotTestContext]:
    from tests.conftest import _truncate

    ctx = make_context(pg_database, outbox_poll_seconds=0.1)
    _truncate(ctx.engine)
    yield ctx
    ctx.engine.dispose()


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_pause_longer_than_the_lease_sends_nothing_twice(pg_ctx: BotTestContext, workers: int) -> None:
    """Rows wait in a paused channel for 3 leases; their leases are renewed, so none is claimed again."""
    fill(pg_ctx, "zalo", 40, chats=40)
    sender = LongPauseSender(refusals=2, retry_after=3.0)
    lease = timedelta(seconds=1)
    pool = [DeliveryWorker(pg_ctx, {"zalo": sender}, lease=lease, shared_limits=False) for _ in range(workers)]
    await run_until_done(*pool, ctx=pg_ctx)
    assert statuses(pg_ctx) == Counter({"sent": 40})
    assert len(sender.sent) == 40 and set(sender.sent.values()) == {1}, "a row was sent twice"


async def test_lifted_shared_limits_reserve_no_slot_but_keep_a_shared_pause(pg_ctx: BotTestContext) -> None:
    """With no pace to keep, sends take no slot in the database; a 429 pause another process shared still holds."""
    other, here = (limits.SharedRateLimiter(pg_ctx, "zalo", 0, 0) for _ in range(2))
    for i in range(20):
        await here.acquire(f"c{i}")
    with pg_ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(RateSlot)) == 0
    other.pause(0.5)
    await asyncio.gather(*other._writes)
    fresh = limits.SharedRateLimiter(pg_ctx, "zalo", 0, 0)
    start = time.monotonic()
    await fresh.acquire("c0")
    assert time.monotonic() - start >= 0.3

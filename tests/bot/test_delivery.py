"""The outbox worker: exactly-once delivery through 429 and 500 answers, rate limits, failures recorded."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels import zalo
from bot.delivery import DeliveryWorker, SendError
from bot.limits import CHAT_BURST, RateLimiter
from bot.messages import Outgoing
from harness.bot import BotTestContext, make_context
from harness.servers import serve_app
from storage.actions.outbox import enqueue
from storage.models import Outbox
from tests.bot.zalo_emulator import ZaloEmulator


def fill(ctx: BotTestContext, channel: str, n: int, chats: int) -> None:
    with ctx.transaction() as s:
        for i in range(n):
            enqueue(s, channel=channel, chat_id=f"c{i % chats}", text=f"Trả lời số {i}", key=f"t:{i}")


def statuses(ctx: BotTestContext) -> Counter[str]:
    with ctx.transaction() as s:
        return Counter(s.scalars(select(Outbox.status)))


async def run_until_done(worker: DeliveryWorker, ctx: BotTestContext, seconds: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and statuses(ctx).get("pending", 0):
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_429_and_500_deliver_every_message_exactly_once(ctx: BotTestContext) -> None:
    ctx.settings.outbox_poll_seconds = 0.1
    emu = ZaloEmulator(failures=[429, 500, 500, 429, 500] * 4)
    fill(ctx, "zalo", 60, chats=20)
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        worker = DeliveryWorker(ctx, {"zalo": zalo.ZaloSender(client, rate_per_second=200)})
        await run_until_done(worker, ctx, 40)
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
    await run_until_done(DeliveryWorker(ctx, {"telegram": sender}), ctx, 10)
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


async def test_rate_limiter_spaces_sends_per_chat_and_overall() -> None:
    limiter = RateLimiter(per_second=50, per_chat=10)
    start = time.monotonic()
    await asyncio.gather(*(limiter.acquire("same") for _ in range(CHAT_BURST)))
    burst = time.monotonic() - start
    await asyncio.gather(*(limiter.acquire("same") for _ in range(4)))
    assert burst < 0.1 * CHAT_BURST  # a short burst leaves at the overall pace
    assert time.monotonic() - start >= 0.35  # then one per 1/per_chat seconds
    limiter = RateLimiter(per_second=50, per_chat=0)
    start = time.monotonic()
    await asyncio.gather(*(limiter.acquire(f"c{i}") for i in range(26)))
    assert time.monotonic() - start >= 0.45
    limiter.pause(0.3)
    start = time.monotonic()
    await limiter.acquire("x")
    assert time.monotonic() - start >= 0.25


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
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in pool]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and statuses(pg_ctx).get("pending", 0):
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert statuses(pg_ctx) == Counter({"sent": 40})
    assert len(sender.sent) == 40 and set(sender.sent.values()) == {1}, "a row was sent twice"

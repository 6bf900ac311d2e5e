"""Several worker processes on one PostgreSQL keep one pace: together they stay under the platform's limit."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from bot.channels.zalo import ZaloClient, ZaloSender
from bot.delivery import DeliveryWorker
from harness.bot import make_context
from harness.servers import serve_app
from storage.actions.outbox import enqueue
from storage.models import Outbox
from tests.bot.zalo_emulator import ZaloEmulator

LIMIT = 20  # messages per second each worker is configured to send (DOITHOAI_ZALO_RATE_PER_SECOND)
# The platform refuses beyond 1,25 × LIMIT a second, counted over the last 2 seconds: room for the
# bunching of a busy machine, while two workers each keeping LIMIT by itself (2 × LIMIT together)
# are refused again and again.
PLATFORM = 25
WINDOW = 2.0
MESSAGES = 160


def limited(emu: ZaloEmulator, per_second: int) -> tuple[FastAPI, Counter[str], list[float]]:
    """The emulator, answering 429 (with Retry-After) to a send beyond `per_second` over the last WINDOW s."""
    app = emu.app()
    seen: Counter[str] = Counter()
    accepted: list[float] = []
    window: deque[float] = deque()

    @app.middleware("http")
    async def rate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not request.url.path.endswith("/sendMessage"):
            return await call_next(request)
        now = time.monotonic()
        while window and window[0] <= now - WINDOW:
            window.popleft()
        if len(window) >= per_second * WINDOW:
            seen["429"] += 1
            return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests"}, 429,
                                headers={"Retry-After": "1"})
        window.append(now)
        accepted.append(now)
        seen["sent"] += 1
        return await call_next(request)

    return app, seen, accepted


def _worker(url: str, api: str, token: str, per_second: float, shared: bool, events: Any) -> None:
    ready, go, done = events
    ctx = make_context(url, outbox_poll_seconds=0.05)

    async def main() -> None:
        ready.set()
        await asyncio.to_thread(go.wait, 120)  # both processes start sending together
        client = ZaloClient(token, api)
        worker = DeliveryWorker(ctx, {"zalo": ZaloSender(client, rate_per_second=per_second)}, window=10,
                                shared_limits=shared)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        while True:
            with ctx.transaction() as s:
                if not s.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "pending")):
                    break
            await asyncio.sleep(0.1)
        stop.set()
        await task
        await client.aclose()

    asyncio.run(main())
    ctx.engine.dispose()
    done.set()


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "each-its-own"])
def test_two_worker_processes_share_the_platform_limit(pg_database: str, shared: bool) -> None:
    """With the limits shared, two workers together keep one pace; each keeping its own is refused."""
    from tests.conftest import _truncate

    ctx = make_context(pg_database)
    _truncate(ctx.engine)
    with ctx.transaction() as s:
        for i in range(MESSAGES):
            enqueue(s, channel="zalo", chat_id=f"c{i}", text=f"Trả lời số {i}", key=f"limit:{i}")
    emu = ZaloEmulator()
    app, seen, accepted = limited(emu, PLATFORM)
    spawn = mp.get_context("spawn")
    with serve_app(app) as api:
        go = spawn.Event()
        events = [(spawn.Event(), go, spawn.Event()) for _ in range(2)]
        procs = [spawn.Process(target=_worker, args=(pg_database, api, emu.token, LIMIT, shared, e)) for e in events]
        for p in procs:
            p.start()
        for ready, _go, _done in events:
            ready.wait(120)
        go.set()
        for p in procs:
            p.join(timeout=300)
    assert all(done.is_set() for _ready, _go, done in events), "a worker process did not finish"
    with ctx.transaction() as s:
        assert Counter(s.scalars(select(Outbox.status))) == Counter({"sent": MESSAGES})
    ctx.engine.dispose()
    texts = Counter(text for _chat, text in emu.sent)
    assert len(texts) == MESSAGES and set(texts.values()) == {1}
    if not shared:  # what the test guards against: 2 × LIMIT a second, refused again and again
        assert seen["429"] >= 5, seen
        return
    # Together the two processes kept to LIMIT: the platform refused nothing, and the sends took
    # at least as long as LIMIT a second allows.
    assert seen["429"] == 0, f"the platform refused {seen['429']} sends"
    assert accepted[-1] - accepted[0] >= (MESSAGES - 1) / LIMIT

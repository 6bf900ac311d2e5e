"""Answers through the outbox to the Telegram emulator under a configured rate limit.

10.000 outbox rows (1.000 chats × 10 answers) are sent by the real outbox worker
(bot.delivery.DeliveryWorker with the python-telegram-bot sender) to the emulator (npm
telegram-test-api) behind the test harness's proxy, which answers 429 like Telegram whenever
the bot goes faster than the limit overall or than 1 message per second to one chat.

    .venv/bin/python bench/bench_delivery.py [--answers 10000] [--chats 1000] [--rate 200]

Prints one JSON line, then a short table. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import telegram as h  # noqa: E402


class Platform:
    """Telegram's limits as the proxy enforces them, and what reached the emulator."""

    def __init__(self, rate: float, per_chat: float) -> None:
        self.rate = rate
        self.chat_gap = 1.0 / per_chat
        self.recent: deque[float] = deque()
        self.last_by_chat: dict[str, float] = {}
        self.delivered: Counter[tuple[str, str]] = Counter()
        self.too_many = 0
        self.lock = threading.Lock()

    def hook(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method != "sendMessage":
            return None
        now = time.monotonic()
        chat = str(params.get("chat_id"))
        with self.lock:
            while self.recent and self.recent[0] < now - 1.0:
                self.recent.popleft()
            # A little slack, as the platform has: timers on both sides are not exact.
            if len(self.recent) >= self.rate * 1.05 or now - self.last_by_chat.get(chat, -9.0) < self.chat_gap * 0.9:
                self.too_many += 1
                return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                             "parameters": {"retry_after": 1}}
            self.recent.append(now)
            self.last_by_chat[chat] = now
            self.delivered[(chat, str(params.get("text")))] += 1
        return None


def fill(url: str, answers: int, chats: int) -> None:
    from storage.actions.outbox import enqueue
    from storage.db import make_engine, make_sessionmaker, session_scope
    from storage.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        for i in range(answers):
            enqueue(session, channel="telegram", chat_id=str(50_000 + i % chats),
                    text=f"Trả lời câu hỏi mã HG-2026-{i:06d}: đã bố trí kinh phí.", key=f"bench:{i}")
    engine.dispose()


async def deliver(url: str, proxy: str, rate: float, answers: int) -> float:
    from bot.channels.telegram import TelegramSender, build_application
    from bot.delivery import DeliveryWorker
    from doithoai.config import Settings
    from harness.bot import make_context

    ctx = make_context(url, outbox_poll_seconds=0.2, telegram_rate_per_second=rate)
    settings: Settings = ctx.settings
    app = build_application(ctx, h.TOKEN, proxy)
    await app.initialize()
    worker = DeliveryWorker(ctx, {"telegram": TelegramSender(app, settings.telegram_rate_per_second,
                                                             settings.telegram_rate_per_chat)})
    stop = asyncio.Event()
    start = time.perf_counter()
    task = asyncio.create_task(worker.run(stop))
    from sqlalchemy import func, select

    from storage.models import Outbox

    while True:
        await asyncio.sleep(0.25)
        with ctx.transaction() as session:
            sent = session.scalar(select(func.count()).where(Outbox.status == "sent")) or 0
        if sent >= answers or time.perf_counter() - start > answers / rate * 3 + 60:
            break
    elapsed = time.perf_counter() - start
    stop.set()
    await task
    await app.shutdown()
    ctx.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second allowed overall")
    args = parser.parse_args()
    reason = h.install()
    if reason:
        sys.exit(reason)
    platform = Platform(args.rate, per_chat=1.0)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        fill(url, args.answers, args.chats)
        with h.emulator() as emu, h.serve_app(h.proxy_app(emu, platform.hook)) as proxy:
            elapsed = asyncio.run(deliver(url, proxy, args.rate, args.answers))
    delivered = sum(1 for n in platform.delivered.values() if n >= 1)
    result = {
        "bench": "delivery", "answers": args.answers, "chats": args.chats, "limit_per_s": args.rate,
        "seconds": round(elapsed, 1), "delivered_per_s": round(delivered / elapsed, 1),
        "ratio_to_limit": round(delivered / elapsed / args.rate, 3), "rate_limit_errors": platform.too_many,
        "duplicates": sum(n - 1 for n in platform.delivered.values()), "lost": args.answers - delivered,
    }
    print(json.dumps(result))
    print(f"{'answers':>8}{'limit/s':>9}{'sent/s':>9}{'ratio':>8}{'429':>6}{'dup':>6}{'lost':>6}")
    print(f"{args.answers:>8}{args.rate:>9.0f}{result['delivered_per_s']:>9}{result['ratio_to_limit']:>8}"
          f"{platform.too_many:>6}{result['duplicates']:>6}{result['lost']:>6}")


if __name__ == "__main__":
    main()

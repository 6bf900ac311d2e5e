"""Citizen message to bot reply through the Telegram emulator, beside a bare python-telegram-bot echo bot.

50 simulated citizens send 1.000 questions (each: the text, "/gui", the field choice) to the real
bot process (`doithoai serve --only bot`) polling the emulator (npm telegram-test-api) through the
test harness's proxy; then the same citizens talk to a bare PTB echo bot against the same emulator.
Latency is from the citizen's message reaching the emulator to the bot's reply reaching it. Each
database backend gets its own run, with its own echo bot measured right after it.

    .venv/bin/python bench/bench_bot.py [--citizens 50] [--questions 1000] [--backend sqlite|postgresql|both]

The bot's pacing to Telegram's send limits is lifted (the emulator enforces none, and the echo bot
keeps none); `--platform-limits` keeps it, and the bot then sends at most 30 messages a second.
Prints one JSON line, then a short table, with the load average and the CPU time each process
spent per message (on Linux). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from harness import telegram as h  # noqa: E402

ECHO_TOKEN = "654321:ECHO-token"
QUESTIONS = [
    "Đường vào ấp {n} bị hư nặng, mùa mưa xe không chạy được, khi nào sửa?",
    "Ấp {n} thường xuyên mất điện vào buổi tối, đề nghị ngành điện kiểm tra.",
    "Nước máy ở ấp {n} có mùi phèn, gia đình tôi không dám dùng để nấu ăn.",
    "Thủ tục cấp đổi sổ đỏ khi đất đã đo đạc lại ở ấp {n} cần giấy tờ gì?",
    "Thẻ bảo hiểm y tế của mẹ tôi ở ấp {n} hết hạn, gia hạn ở đâu?",
]


def echo_bot(base_url: str) -> None:
    """The reference: python-telegram-bot's own polling and an echo handler, nothing else."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is not None and update.message is not None:
            await context.bot.send_message(update.effective_chat.id, update.message.text or "")

    app = Application.builder().token(ECHO_TOKEN).base_url(f"{base_url}/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=10)


class Inbox:
    """What the bots sent, per chat, as the proxy saw it pass."""

    def __init__(self) -> None:
        self.queues: dict[str, asyncio.Queue[tuple[float, str]]] = defaultdict(asyncio.Queue)

    def hook(self, method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage":
            self.queues[str(params.get("chat_id"))].put_nowait((time.perf_counter(), str(params.get("text", ""))))

    async def wait(self, chat: int, needles: tuple[str, ...], timeout: float = 120) -> float:
        queue = self.queues[str(chat)]
        seen: list[str] = []
        while True:
            try:
                at, text = await asyncio.wait_for(queue.get(), timeout)
            except TimeoutError:
                raise RuntimeError(f"chat {chat}: no reply with {needles}; last replies {seen[-3:]}") from None
            seen.append(text[:80])
            if any(n in text for n in needles):
                return at


async def send(http: httpx.AsyncClient, emu: str, token: str, chat: int, text: str) -> float:
    who = {"id": chat, "is_bot": False, "first_name": f"Dân {chat}"}
    body = {"botToken": token, "date": int(time.time()), "from": who, "text": text,
            "chat": {"id": chat, "type": "private", "first_name": who["first_name"]}}
    start = time.perf_counter()
    (await http.post(f"{emu}/sendMessage", json=body)).raise_for_status()
    return start


async def citizen(http: httpx.AsyncClient, emu: str, inbox: Inbox, chat: int, count: int,
                  rtts: list[float], confirms: list[float]) -> None:
    await send(http, emu, h.TOKEN, chat, "/start m_MA")
    await inbox.wait(chat, ("dữ liệu cá nhân",))
    await send(http, emu, h.TOKEN, chat, "2")
    await inbox.wait(chat, ("Mời anh/chị nhập câu hỏi",))
    for k in range(count):
        text = QUESTIONS[(chat + k) % len(QUESTIONS)].format(n=f"{chat}-{k}")
        for message, needles in ((text, ("Đã ghi nhận",)), ("/gui", ("Có đúng không", "chọn lĩnh vực")),
                                 ("1", ("Mã số",))):
            start = await send(http, emu, h.TOKEN, chat, message)
            rtt = await inbox.wait(chat, needles) - start
            rtts.append(rtt)
        confirms.append(rtt)


async def echo_citizen(http: httpx.AsyncClient, emu: str, inbox: Inbox, chat: int, count: int,
                       rtts: list[float]) -> None:
    for k in range(count):
        text = f"tin nhắn {chat}-{k}"
        start = await send(http, emu, ECHO_TOKEN, chat, text)
        rtts.append(await inbox.wait(chat, (text,)) - start)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


@contextmanager
def database(backend: str, folder: Path, pg_url: str) -> Iterator[str]:
    """A fresh migrated database with the test world: a file, or a new PostgreSQL database dropped after."""
    from harness.databases import scratch_postgres
    from harness.factories import make_world
    from storage.db import make_engine, make_sessionmaker, session_scope
    from storage.migrate import upgrade

    with contextlib.ExitStack() as stack:
        url = (f"sqlite:///{folder / 'bench.db'}" if backend == "sqlite"
               else stack.enter_context(scratch_postgres(pg_url)))
        upgrade(url)
        engine = make_engine(url)
        with session_scope(make_sessionmaker(engine)) as session:
            make_world(session)
        engine.dispose()
        yield url


def stored_questions(url: str) -> Counter[str]:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return Counter(t for (t,) in conn.execute(text("select original_text from questions")))
    finally:
        engine.dispose()


def model_path(folder: Path) -> Path:
    default = ROOT / "data" / "model" / "classifier.joblib"
    if default.exists():
        return default
    from nlp.classify import load_or_train

    path = folder / "classifier.joblib"
    load_or_train(path)
    return path


async def run(backend: str, url: str, citizens: int, questions: int, folder: Path,
              platform_limits: bool = False) -> dict[str, Any]:
    inbox = Inbox()
    me = os.getpid()
    with h.emulator() as emu:
        port = h.free_port()
        server = uvicorn.Server(uvicorn.Config(h.proxy_app(emu, lambda m, p: inbox.hook(m, p)), host="127.0.0.1",
                                               port=port, log_level="warning"))
        proxy_task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        proxy = f"http://127.0.0.1:{port}"
        # The emulator enforces no send limits and the echo bot keeps none: the bot's pacing to
        # Telegram's published limits (30 messages/s, 1 per chat) is lifted unless asked for.
        limits = {} if platform_limits else {"DOITHOAI_TELEGRAM_RATE_PER_SECOND": "0",
                                             "DOITHOAI_TELEGRAM_RATE_PER_CHAT": "0"}
        env = h.bot_env(url, proxy, model_path(folder), DOITHOAI_FLOOD_MAX_QUESTIONS="100000", **limits)
        bot = h.start_bot(env, "bot", folder / "bot.log")
        echo = await asyncio.create_subprocess_exec(sys.executable, __file__, "--echo", proxy)
        rtts: list[float] = []
        confirms: list[float] = []
        echo_rtts: list[float] = []
        try:
            limits = httpx.Limits(max_connections=citizens * 2)
            async with httpx.AsyncClient(timeout=30, limits=limits) as http:
                each = questions // citizens
                load_before = load_average()
                cpu = (cpu_seconds(bot.pid), cpu_seconds(me))
                start = time.perf_counter()
                await asyncio.gather(*(citizen(http, emu, inbox, 30_000 + i, each, rtts, confirms)
                                       for i in range(citizens)))
                bot_seconds = time.perf_counter() - start
                bot_cpu = (cpu_seconds(bot.pid) - cpu[0], cpu_seconds(me) - cpu[1])
                await echo_citizen(http, emu, inbox, 39_999, 1, [])  # the echo bot is up
                cpu = (cpu_seconds(echo.pid), cpu_seconds(me))
                start = time.perf_counter()
                await asyncio.gather(*(echo_citizen(http, emu, inbox, 40_000 + i, each, echo_rtts)
                                       for i in range(citizens)))
                echo_seconds = time.perf_counter() - start
                echo_cpu = (cpu_seconds(echo.pid) - cpu[0], cpu_seconds(me) - cpu[1])
                load_after = load_average()
        except Exception:
            print(h.tail(folder / "bot.log", 15), file=sys.stderr)
            raise
        finally:
            bot.terminate()
            bot.wait(timeout=15)
            echo.terminate()
            await echo.wait()
            server.should_exit = True
            await proxy_task
    stored = stored_questions(url)
    sent = questions // citizens * citizens
    return {
        "backend": backend, "platform_limits": platform_limits, "citizens": citizens, "questions": sent,
        "messages": sent * 3,
        "p50_ms": round(pct(rtts, 50), 1), "p95_ms": round(pct(rtts, 95), 1),
        "confirm_p50_ms": round(pct(confirms, 50), 1), "confirm_p95_ms": round(pct(confirms, 95), 1),
        "echo_p50_ms": round(pct(echo_rtts, 50), 1), "echo_p95_ms": round(pct(echo_rtts, 95), 1),
        "p95_ratio": round(pct(rtts, 95) / pct(echo_rtts, 95), 2),
        "lost": sent - len(stored), "duplicated": sum(n - 1 for n in stored.values()),
        "bot_msgs_per_s": round(sent * 3 / bot_seconds, 1), "echo_msgs_per_s": round(sent / echo_seconds, 1),
        "throughput_ratio": round((sent * 3 / bot_seconds) / (sent / echo_seconds), 2),
        # CPU time per message: of the bot's process, and of this one (the citizens and the proxy).
        "bot_cpu_ms_per_msg": round(bot_cpu[0] * 1000 / (sent * 3), 2),
        "echo_cpu_ms_per_msg": round(echo_cpu[0] * 1000 / sent, 2),
        "harness_cpu_ms_per_msg": [round(bot_cpu[1] * 1000 / (sent * 3), 2), round(echo_cpu[1] * 1000 / sent, 2)],
        "load_average": [load_before, load_after],
    }


def table(result: dict[str, Any]) -> str:
    r = result
    limits = "Telegram's send limits kept" if r["platform_limits"] else "send limits lifted"
    lines = [f"{r['backend']}: {r['citizens']} citizens, {r['messages']} messages, {limits}; load average "
             f"{r['load_average'][0]} before, {r['load_average'][1]} after",
             f"{'':24}{'p50 ms':>10}{'p95 ms':>10}{'msg/s':>10}{'CPU ms/msg':>12}",
             f"{'doithoai bot (all)':24}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['bot_msgs_per_s']:>10}"
             f"{r['bot_cpu_ms_per_msg']:>12}",
             f"{'doithoai confirmation':24}{r['confirm_p50_ms']:>10}{r['confirm_p95_ms']:>10}",
             f"{'bare PTB echo bot':24}{r['echo_p50_ms']:>10}{r['echo_p95_ms']:>10}{r['echo_msgs_per_s']:>10}"
             f"{r['echo_cpu_ms_per_msg']:>12}",
             f"p95 ratio {r['p95_ratio']} (goal ≤ 1,5); throughput ratio {r['throughput_ratio']} (goal ≥ 0,6); "
             f"lost {r['lost']}, duplicated {r['duplicated']}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--platform-limits", action="store_true",
                        help="keep the bot's default Telegram send limits (30 messages/s, 1 per chat)")
    parser.add_argument("--echo", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo:
        echo_bot(args.echo)
        return
    reason = h.install()
    if reason:
        sys.exit(reason)
    results = []
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp), args.pg_url) as url:
            results.append(asyncio.run(run(backend, url, args.citizens, args.questions, Path(tmp),
                                           args.platform_limits)))
    print(json.dumps({"bench": "bot", "cores": os.cpu_count(), "results": results}))
    print("\n\n".join(table(r) for r in results))


if __name__ == "__main__":
    main()

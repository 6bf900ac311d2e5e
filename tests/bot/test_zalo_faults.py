"""Zalo under faults: the bot killed with SIGKILL twice during 1.000 messages, and sendMessage erring.

Zalo's getUpdates hands each update out once, with no offset to acknowledge it
(https://bot.zapps.me/docs/apis/getUpdates/): the bot stores an update before it polls again, so
a kill loses nothing the platform handed out, and a restart handles what was stored but not handled.
The kills land while the bot waits in getUpdates: an update the platform writes into the connection
in the very instant the process dies cannot be saved by any client of an API without
acknowledgements (webhook mode has no such instant: Zalo repeats a delivery until it gets 200).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels import zalo
from harness import telegram as h
from harness.bot import BotTestContext, delivering
from harness.servers import serve_app
from storage.models import InboundUpdate, Outbox
from tests.bot.test_telegram_e2e import model_path  # noqa: F401 - the shared session fixture
from tests.bot.zalo_emulator import ZaloEmulator

CITIZENS = 50
QUESTIONS_EACH = 6  # 2 + 6 × 3 = 20 messages per citizen, 1.000 in all


def scalar(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


def wait_for(db: Path, sql: str, count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        seen = scalar(db, sql)
        if seen >= count:
            break
        time.sleep(0.2)
    return seen


STORED = "select count(*) from inbound_updates where channel = 'zalo'"
HANDLED = "select count(*) from inbound_updates where channel = 'zalo' and status != 'pending'"


def zalo_env(db_url: str, base_url: str, token: str, model: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOITHOAI_")}
    env.update({"DOITHOAI_DATABASE_URL": db_url, "DOITHOAI_ZALO_TOKEN": token, "DOITHOAI_ZALO_BASE_URL": base_url,
                "DOITHOAI_MODEL_PATH": str(model), "DOITHOAI_SECRET_KEY": "test-secret-key-for-bot",
                "DOITHOAI_OUTBOX_POLL_SECONDS": "0.2", "DOITHOAI_FLOOD_MAX_QUESTIONS": "1000",
                "DOITHOAI_LOG_LEVEL": "WARNING"})
    return env


def kill_while_polling(bot: subprocess.Popen[bytes], emu: ZaloEmulator, log: Path) -> None:
    """SIGKILL while the bot waits in getUpdates: every update handed out so far was fetched."""
    emu.hold = True
    deadline = time.monotonic() + 60
    while emu.parked == 0:
        assert time.monotonic() < deadline, f"the bot never polled again\n{h.tail(log)}"
        time.sleep(0.01)
    bot.send_signal(signal.SIGKILL)
    bot.wait(timeout=10)
    emu.hold = False


@pytest.mark.e2e
def test_kill_9_twice_during_1000_zalo_messages_loses_and_doubles_nothing(
    model_path: Path, world_url: str, tmp_path: Path  # noqa: F811
) -> None:
    db = Path(world_url.removeprefix("sqlite:///"))
    emu = ZaloEmulator()
    expected: list[tuple[str, str]] = []
    people = [f"z{i:03d}" for i in range(CITIZENS)]
    for person in people:
        emu.user_says(person, "/start m_MA")
        emu.user_says(person, "2")
    for k in range(QUESTIONS_EACH):
        for person in people:
            text = f"Đường ấp {k} của công dân {person} bị hư nặng"
            expected.append((person, text))
            for said in (text, "/gui", "1"):
                emu.user_says(person, said)
    total = len(emu.updates)
    assert total == 1000
    log = tmp_path / "bot.log"
    with serve_app(emu.app()) as url:
        env = zalo_env(world_url, url, emu.token, model_path)
        bot = h.start_bot(env, "bot", log)
        try:
            for stored in (300, 650):
                assert wait_for(db, STORED, stored, 180) >= stored, h.tail(log)
                kill_while_polling(bot, emu, log)
                assert scalar(db, HANDLED) < total, "the load finished before the kill; nothing was tested"
                bot = h.start_bot(env, "bot", log)
            done = wait_for(db, HANDLED, total, 240)
            assert done == total, f"{done} of {total} updates handled after two restarts\n{h.tail(log)}"
        finally:
            bot.terminate()
            bot.wait(timeout=15)
    assert emu.handed_out == total and not emu.updates
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select c.channel_user_id, q.original_text from questions q "
                            "join citizens c on c.id = q.citizen_id where q.channel = 'zalo'").fetchall()
    stored_questions = Counter((user, text) for user, text in rows)
    assert set(stored_questions) == set(expected), "a question was lost"
    assert set(stored_questions.values()) == {1}, "a question was stored twice"


async def test_replies_reach_every_citizen_once_through_500_and_429(ctx: BotTestContext) -> None:
    """sendMessage answering 500 half the time, then 429 with Retry-After: every reply arrives, once."""
    ctx.settings.outbox_poll_seconds = 0.1
    emu = ZaloEmulator(failures=[500, 0] * 20 + [429, 429])
    people = [f"r{i}" for i in range(10)]
    for person in people:
        emu.user_says(person, "/start m_MA")
        emu.user_says(person, "2")
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        stop = asyncio.Event()
        async with delivering(ctx, {"zalo": zalo.ZaloSender(client, rate_per_second=200)}):
            task = asyncio.create_task(zalo.poll(ctx, client, stop, timeout=1))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (emu.updates or _unsent(ctx)):
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.wait_for(task, 10)
        await client.aclose()
    with ctx.transaction() as s:
        rows = s.scalars(select(Outbox)).all()
        assert {r.status for r in rows} == {"sent"}
        assert len(s.scalars(select(InboundUpdate)).all()) == 2 * len(people)
        per_chat = Counter(r.chat_id for r in rows)
    for person in people:
        texts = emu.texts_to(person)
        assert len(texts) == per_chat[person] >= 2, f"{person} got {len(texts)} of {per_chat[person]} replies"
        assert "dữ liệu cá nhân" in texts[0]
    assert len(emu.sent) == sum(per_chat.values())


def _unsent(ctx: BotTestContext) -> bool:
    with ctx.transaction() as s:
        return s.scalars(select(Outbox.id).where(Outbox.status != "sent")).first() is not None

"""Faults: the bot process killed with SIGKILL in the middle of a 1.000-message load, then restarted."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from harness import telegram as h
from tests.bot.test_telegram_e2e import model_path, tg_api  # noqa: F401 - shared session fixtures

pytestmark = pytest.mark.e2e

CITIZENS = 50
QUESTIONS_EACH = 6  # 2 + 6 × 3 = 20 messages per citizen, 1.000 in all


def scalar(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


def wait_until(db: Path, count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        seen = scalar(db, "select count(*) from inbound_updates where channel = 'telegram' and status != 'pending'")
        if seen >= count:
            break
        time.sleep(0.2)
    return seen


def test_kill_9_mid_load_stores_every_question_exactly_once(
    tg_api: str, model_path: Path, world_url: str, tmp_path: Path  # noqa: F811
) -> None:
    emu, proxy = tg_api.split("|")
    db = Path(world_url.removeprefix("sqlite:///"))
    env = h.bot_env(world_url, proxy, model_path, DOITHOAI_FLOOD_MAX_QUESTIONS="1000")
    log = tmp_path / "bot.log"
    bot = h.start_bot(env, "bot", log)
    expected: list[tuple[int, str]] = []
    try:
        with httpx.Client(timeout=10) as http:
            people = [h.TgCitizen(emu, 20_000 + i, http) for i in range(CITIZENS)]
            for person in people:
                person.say("/start m_MA")
                person.say("2")
            for k in range(QUESTIONS_EACH):
                for person in people:
                    text = f"Đường ấp {k} của công dân {person.user_id} bị hư nặng"
                    expected.append((person.user_id, text))
                    person.say(text)
                    person.say("/gui")
                    person.say("1")
        total = CITIZENS * (2 + 3 * QUESTIONS_EACH)
        assert total == 1000
        half = wait_until(db, total // 2, 120)
        assert half >= total // 2, f"only {half} updates handled before the kill"
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        at_kill = scalar(db, "select count(*) from inbound_updates where status != 'pending'")
        assert at_kill < total, "the load finished before the kill; nothing was tested"
        bot = h.start_bot(env, "bot", log)
        done = wait_until(db, total, 180)
        assert done == total, f"{done} of {total} updates handled after the restart\n{h.tail(log)}"
    finally:
        bot.terminate()
        bot.wait(timeout=15)
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select c.channel_user_id, q.original_text from questions q join citizens c on c.id = q.citizen_id"
        ).fetchall()
    stored = Counter((int(user), text) for user, text in rows)
    assert set(stored) == set(expected), "a question was lost"
    assert set(stored.values()) == {1}, "a question was stored twice"

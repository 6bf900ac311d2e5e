"""Faults: the bot killed with SIGKILL mid-load; the platform answering 500 and 429 to conversation replies.

Nothing is lost: every question stored once, every reply delivered, none twice (but for a send in
flight at the kill: Telegram takes no idempotency key).
"""

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


def wait_until(db: Path, count: int, stall: float) -> int:
    """Until `count` updates are handled, or no progress for `stall` seconds (a busy machine is slow,
    a stuck bot makes no progress at all); how many were handled."""
    seen = -1
    last_progress = time.monotonic()
    hang_limit = last_progress + 900
    while time.monotonic() < hang_limit:
        now_seen = scalar(db, "select count(*) from inbound_updates where channel = 'telegram' and status != 'pending'")
        if now_seen >= count:
            return now_seen
        if now_seen > seen:
            seen, last_progress = now_seen, time.monotonic()
        elif time.monotonic() - last_progress > stall:
            break
        time.sleep(0.2)
    return seen


def wait_drained(db: Path, timeout: float) -> int:
    """Until no reply waits in the outbox; how many still wait."""
    deadline = time.monotonic() + timeout
    left = -1
    while time.monotonic() < deadline:
        left = scalar(db, "select count(*) from outbox where status = 'pending'")
        if left == 0:
            break
        time.sleep(0.2)
    return left


def told(emu: str, users: list[int], needle: str) -> dict[int, Counter[str]]:
    """Per citizen, how many times each message containing `needle` reached their chat."""
    with httpx.Client(timeout=30) as http:
        out = {}
        for user in users:
            person = h.TgCitizen(emu, user, http)
            person.fetch()
            out[user] = Counter(str(m.get("text")) for m in person.received if needle in str(m.get("text", "")))
        return out


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
        half = wait_until(db, total // 2, 60)
        assert half >= total // 2, f"only {half} updates handled before the kill"
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        at_kill = scalar(db, "select count(*) from inbound_updates where status != 'pending'")
        assert at_kill < total, "the load finished before the kill; nothing was tested"
        bot = h.start_bot(env, "bot", log)
        done = wait_until(db, total, 60)
        assert done == total, f"{done} of {total} updates handled after the restart\n{h.tail(log)}"
        left = wait_drained(db, 300)
        assert left == 0, f"{left} replies still waiting in the outbox\n{h.tail(log)}"
    finally:
        bot.terminate()
        bot.wait(timeout=15)
    confirmations = told(emu, [p.user_id for p in people], "Mã số của anh/chị là")
    assert all(len(c) == QUESTIONS_EACH for c in confirmations.values()), "a ticket confirmation was lost"
    doubled = sum(n - 1 for c in confirmations.values() for n in c.values())
    # Telegram takes no idempotency key: a send the platform accepted just before the kill, whose
    # mark was not yet written, goes again after the restart. Those in flight at the kill only
    # (5 to 13 of 300 measured on a busy machine), never a redelivered update's replies again.
    assert doubled <= CITIZENS // 2, f"{doubled} ticket confirmations sent twice"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select c.channel_user_id, q.original_text from questions q join citizens c on c.id = q.citizen_id"
        ).fetchall()
    stored = Counter((int(user), text) for user, text in rows)
    assert set(stored) == set(expected), "a question was lost"
    assert set(stored.values()) == {1}, "a question was stored twice"


class FlakyPlatform:
    """sendMessage answered 500 every other call, then 429 with `retry_after` for a stretch (the
    error shapes of https://core.telegram.org/bots/api#making-requests and #responseparameters)."""

    def __init__(self, errors: int, throttled: int, retry_after: int) -> None:
        self.calls = 0
        self.errors = errors
        self.throttled = throttled
        self.retry_after = retry_after
        self.refused: Counter[int] = Counter()

    def __call__(self, method: str, _params: dict[str, object]) -> tuple[int, dict[str, object]] | None:
        if method != "sendMessage":
            return None
        self.calls += 1
        if self.calls <= self.errors and self.calls % 2:
            self.refused[500] += 1
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if self.errors < self.calls <= self.errors + self.throttled:
            self.refused[429] += 1
            return 429, {"ok": False, "error_code": 429, "parameters": {"retry_after": self.retry_after},
                         "description": f"Too Many Requests: retry after {self.retry_after}"}
        return None


def test_replies_survive_500_and_429_and_none_goes_twice(
    tg_api: str, model_path: Path, world_url: str, tmp_path: Path  # noqa: F811
) -> None:
    """20 citizens talk to the bot while Telegram fails half the sends, then throttles for a while."""
    emu, _proxy = tg_api.split("|")
    platform = FlakyPlatform(errors=60, throttled=30, retry_after=3)
    watch = h.Watch()
    with h.serve_app(h.proxy_app(emu, hook=platform, watch=watch)) as proxy:
        env = h.bot_env(world_url, proxy, model_path)
        log = tmp_path / "bot.log"
        bot = h.start_bot(env, "bot", log)
        try:
            h.wait_polling(watch, (bot,))
            with httpx.Client(timeout=10) as http:
                people = [h.TgCitizen(emu, 30_000 + i, http, processes=(bot,)) for i in range(20)]
                steps = [("/start m_MA", "dữ liệu cá nhân"), ("2", "Mời anh/chị nhập câu hỏi"),
                         (None, "Đã ghi nhận"), ("/gui", "Gửi"), ("1", "Mã số của anh/chị là")]
                for said, awaited in steps:
                    for person in people:
                        person.say(said or f"Đèn đường tổ {person.user_id} hỏng đã lâu")
                    for person in people:
                        person.wait_for(awaited)
        finally:
            bot.terminate()
            bot.wait(timeout=15)
        with httpx.Client(timeout=10) as http:
            for person in people:
                person.http = http
                person.fetch()
    assert platform.refused[500] == 30 and platform.refused[429] == 30, platform.refused
    for person in people:
        seen = Counter(str(m.get("text")) for m in person.received)
        assert len(seen) >= len(steps) and set(seen.values()) == {1}, f"{person.user_id} got a reply twice: {seen}"

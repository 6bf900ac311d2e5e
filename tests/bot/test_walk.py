"""One conversation, three renderings: the whole walk on each channel, typing only what its citizen can.

Telegram: inline buttons, pressed through the Bot API emulator against the real bot process.
Zalo (Bot API): no buttons; the citizen types the number of the option shown as "N. label".
Web chat: buttons in the page, sent to its HTTP API as a button's data or as typed text.
The same steps run on each: consent, meeting, details, question, send, field, ticket, another
question, status by ticket code, the answer rated "Chưa hài lòng" with a reason, withdraw, erase.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.channels import webchat, zalo
from harness import telegram as h
from harness.bot import BotTestContext, delivering
from harness.servers import serve_app
from storage import lifecycle
from storage.actions import replies
from storage.models import Question
from tests.bot.zalo_emulator import ZaloEmulator

TICKET = re.compile(r"HG-\d{4}-\d{6}")
NUMBERED = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def same(words: str, label: str) -> bool:
    """An option's words are the label, or a meeting's label starting with its title."""
    return words == label or words.startswith(label + " —")


class Driver(Protocol):
    """A citizen on one channel: `type` what they type, `choose` an option the way that channel offers it."""

    async def open(self) -> str: ...

    async def type(self, text: str, expect: str) -> str: ...

    async def choose(self, label: str, expect: str) -> str: ...

    async def wait(self, expect: str) -> str: ...


@dataclass
class WebDriver:
    client: TestClient
    shown: list[dict[str, Any]] = field(default_factory=list)
    inbox_after: int = 0
    n: int = 0

    def _post(self, **body: Any) -> list[dict[str, Any]]:
        self.n += 1
        resp = self.client.post("/chat/api/send", json={**body, "id": f"w{self.n}"})
        assert resp.status_code == 200, resp.text
        messages: list[dict[str, Any]] = resp.json()["messages"]
        self.shown.extend(messages)
        return messages

    @staticmethod
    def _expect(messages: list[dict[str, Any]], expect: str) -> str:
        text = "\n".join(str(m["text"]) for m in messages)
        assert expect in text, f"{expect!r} not in {text!r}"
        return text

    async def open(self) -> str:
        assert self.client.get("/chat").status_code == 200
        messages = self.client.post("/chat/api/open", json={"meeting": ""}).json()["messages"]
        self.shown.extend(messages)
        return self._expect(messages, "dữ liệu cá nhân")

    async def type(self, text: str, expect: str) -> str:
        return self._expect(self._post(text=text), expect)

    async def choose(self, label: str, expect: str) -> str:
        for message in reversed(self.shown):
            for row in message.get("buttons") or []:
                for button in row:
                    if same(button["label"], label):
                        return self._expect(self._post(button=button["data"]), expect)
        raise AssertionError(f"no button {label!r}")

    async def wait(self, expect: str) -> str:
        messages = self.client.get(f"/chat/api/inbox?after={self.inbox_after}").json()["messages"]
        self.inbox_after = max([self.inbox_after, *(m["id"] for m in messages)])
        self.shown.extend(messages)
        return self._expect(messages, expect)


@dataclass
class ZaloDriver:
    emu: ZaloEmulator
    user: str = "zalo-walk"
    seen: int = 0

    async def wait(self, expect: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.emu.texts_to(self.user)
            for i in range(self.seen, len(texts)):
                if expect in texts[i]:
                    self.seen = i + 1
                    return texts[i]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no Zalo message with {expect!r}; got {self.emu.texts_to(self.user)[-3:]}")

    async def open(self) -> str:
        return await self.type("/start", "dữ liệu cá nhân")

    async def type(self, text: str, expect: str) -> str:
        self.emu.user_says(self.user, text)
        return await self.wait(expect)

    async def choose(self, label: str, expect: str) -> str:
        """Zalo shows no buttons: type the number printed before the option."""
        for text in reversed(self.emu.texts_to(self.user)):
            options = {int(n): words for n, words in NUMBERED.findall(text)}
            for number, words in options.items():
                if same(words, label):
                    return await self.type(str(number), expect)
        raise AssertionError(f"no numbered option {label!r}")


@dataclass
class TelegramDriver:
    citizen: h.TgCitizen
    seen: int = 0

    async def wait(self, expect: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.to_thread(self.citizen.fetch)
            got = self.citizen.received
            for i in range(self.seen, len(got)):
                if expect in str(got[i].get("text", "")):
                    self.seen = i + 1
                    return str(got[i]["text"])
            await asyncio.sleep(0.05)
        raise AssertionError(f"no Telegram message with {expect!r}; got {[m.get('text') for m in got][-3:]}")

    async def open(self) -> str:
        return await self.type("/start", "dữ liệu cá nhân")

    async def type(self, text: str, expect: str) -> str:
        await asyncio.to_thread(self.citizen.say, text)
        return await self.wait(expect)

    async def choose(self, label: str, expect: str) -> str:
        for msg in reversed(self.citizen.received):
            for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if same(button["text"], label):
                        await asyncio.to_thread(self.citizen._callback, msg, button["callback_data"])
                        return await self.wait(expect)
        raise AssertionError(f"no Telegram button {label!r}")


def answer_first_question(url_ctx: BotTestContext, channel: str) -> None:
    """What an agency officer does in the console: answer the first question, resolved."""
    with url_ctx.transaction() as s:
        q = s.scalars(select(Question).where(Question.channel == channel).order_by(Question.id)).first()
        assert q is not None
        replies.reply(s, q.id, "Huyện đã sửa xong đường vào ấp 3.", author="officer", status=lifecycle.RESOLVED)


async def walk(d: Driver, ctx: BotTestContext, channel: str) -> None:
    await d.open()
    await d.choose("Đồng ý", "hội nghị nào")
    await d.choose("Hội nghị đối thoại Huyện A", "họ và tên")
    await d.type("Trần Thị Lan", "xã/phường")
    await d.choose("Bỏ qua", "Số điện thoại")
    await d.type("0912 345 678", "Mời anh/chị nhập câu hỏi")
    await d.type("Đường vào ấp 3 xã A1 bị hư nặng, mùa mưa xe không chạy được", "Đã ghi nhận")
    await d.choose("Gửi", "lĩnh vực")
    await d.choose("Chọn lĩnh vực khác", "lĩnh vực phù hợp nhất")
    first = TICKET.search(await d.choose("Giao thông", "Mã số"))
    assert first
    await d.choose("Gửi câu hỏi khác", "Mời anh/chị nhập câu hỏi")
    await d.type("Điện chập chờn mỗi tối ở ấp 2", "Đã ghi nhận")
    await d.choose("Gửi", "lĩnh vực")
    second = TICKET.search(await d.choose("Đúng", "Mã số"))
    assert second and second.group(0) != first.group(0)
    short_code = re.sub(r"-0+(\d)", r"-\1", first.group(0)).lower()  # hg-2026-123
    status = await d.type(short_code, first.group(0))
    assert "Đã tiếp nhận" in status and "Đường vào ấp 3" in status
    answer_first_question(ctx, channel)
    answered = await d.wait("Huyện đã sửa xong")
    assert "hài lòng" in answered
    await d.choose("Chưa hài lòng", "vì sao")
    await d.type("Mới vá một nửa, đoạn cuối vẫn ngập", "mở lại")
    await d.type("/huy", "muốn rút câu hỏi nào")
    await d.choose(f"Rút {second.group(0)}", "Đã rút")
    await d.type("/xoa_du_lieu", "có chắc")
    await d.choose("Xóa dữ liệu", "Đã xóa")
    with ctx.transaction() as s:
        rows = s.scalars(select(Question).where(Question.channel == channel).order_by(Question.id)).all()
        assert [(q.status, q.citizen_field, q.reopen_count) for q in rows] == [
            (lifecycle.ASSIGNED if rows[0].agency_id else lifecycle.TRIAGED, "giao_thong", 1),
            (lifecycle.WITHDRAWN, "dien", 0),
        ]
        assert rows[0].citizen is not None and rows[0].citizen.name is None and rows[0].citizen.phone is None


async def test_walk_on_the_web_chat(ctx: BotTestContext) -> None:
    app = FastAPI()
    app.include_router(webchat.make_router(ctx))
    with TestClient(app) as client:
        await walk(WebDriver(client), ctx, "web")


async def test_walk_on_zalo(ctx: BotTestContext) -> None:
    emu = ZaloEmulator()
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        stop = asyncio.Event()
        async with delivering(ctx, {"zalo": zalo.ZaloSender(client, rate_per_second=100)}):
            task = await zalo.start_polling(ctx, client, stop)
            try:
                await walk(ZaloDriver(emu), ctx, "zalo")
            finally:
                stop.set()
                await asyncio.wait_for(task, 10)
        await client.aclose()


@pytest.fixture(scope="module")
def tg_api() -> Iterator[str]:
    reason = h.install()
    if reason:
        pytest.skip(reason)
    with h.emulator() as emu, h.serve_app(h.proxy_app(emu)) as proxy:
        yield f"{emu}|{proxy}"


@pytest.mark.e2e
async def test_walk_on_telegram(tg_api: str, ctx: BotTestContext, world_url: str, tmp_path: Path,
                                model_file: Path) -> None:
    emu, proxy = tg_api.split("|")
    env = h.bot_env(world_url, proxy, model_file)
    procs = [h.start_bot(env, "bot", tmp_path / "bot.log"), h.start_bot(env, "worker", tmp_path / "worker.log")]
    try:
        await walk(TelegramDriver(h.TgCitizen(emu, 7101)), ctx, "telegram")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- bot log ---\n{h.tail(tmp_path / 'bot.log')}") from exc
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)

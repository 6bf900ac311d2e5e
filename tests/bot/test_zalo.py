"""Zalo against a local emulator of the Bot API: polling, replies, webhook secret, delivery."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.channels import zalo
from storage.models import InboundUpdate, Outbox, Question
from tests.bot.helpers import BotTestContext, delivering
from tests.bot.servers import serve_app
from tests.bot.zalo_emulator import ZaloEmulator, fixture


async def _poll_until(ctx: BotTestContext, client: zalo.ZaloClient, emu: ZaloEmulator, user: str, n: int) -> None:
    stop = asyncio.Event()
    async with delivering(ctx, {"zalo": zalo.ZaloSender(client, rate_per_second=100)}):
        task = asyncio.create_task(zalo.poll(ctx, client, stop, timeout=1))
        for _ in range(400):
            if len(emu.texts_to(user)) >= n and not emu.updates:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_whole_conversation_by_polling(ctx: BotTestContext) -> None:
    emu = ZaloEmulator()
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        for text in ("/start m_MA", "2", "Đường vào ấp 3 hư nặng", "/gui", "1"):
            emu.user_says("z1", text)
        await _poll_until(ctx, client, emu, "z1", 6)
        await client.aclose()
    replies = emu.texts_to("z1")
    assert "1. Đồng ý\n2. Hỏi ẩn danh" in replies[0]
    assert "Mã số của anh/chị là HG-" in replies[-1]
    assert "typing" in emu.actions
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert (q.channel, q.original_text, q.confirmed_field) == ("zalo", "Đường vào ấp 3 hư nặng", "giao_thong")


async def test_client_errors_and_webhook_registration(ctx: BotTestContext) -> None:
    emu = ZaloEmulator()
    with serve_app(emu.app()) as url:
        bad = zalo.ZaloClient("wrong", url)
        try:
            await bad.send_message("c", "x")
            raise AssertionError("expected a ZaloError")
        except zalo.ZaloError as exc:
            assert exc.code == 401
        await bad.aclose()
        client = zalo.ZaloClient(emu.token, url)
        await client.set_webhook("https://example.vn/hooks/zalo", "s3cr3t-value")
        assert emu.webhook == {"url": "https://example.vn/hooks/zalo", "secret_token": "s3cr3t-value"}
        assert await client.get_updates(timeout=1) == []
        await client.aclose()


def test_webhook_refuses_requests_without_the_secret(ctx: BotTestContext) -> None:
    emu = ZaloEmulator()
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        app = FastAPI()
        app.include_router(zalo.webhook_router(ctx, client, "s3cr3t-value"))
        with TestClient(app) as http:
            _webhook_calls(ctx, http)
    with ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundUpdate)) == 1
        greetings = s.scalars(select(Outbox.chat_id)).all()
    assert greetings == ["6ede9afa66b88fe6d6a9"]  # one greeting queued, though the update came twice


def _webhook_calls(ctx: BotTestContext, http: TestClient) -> None:
    body = fixture("text_received")
    assert http.post(zalo.WEBHOOK_PATH, json=body).status_code == 403
    assert http.post(zalo.WEBHOOK_PATH, json=body, headers={zalo.SECRET_HEADER: "wrong"}).status_code == 403
    with ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundUpdate)) == 0
    ok = http.post(zalo.WEBHOOK_PATH, json=body, headers={zalo.SECRET_HEADER: "s3cr3t-value"})
    assert ok.status_code == 200
    again = http.post(zalo.WEBHOOK_PATH, json=body, headers={zalo.SECRET_HEADER: "s3cr3t-value"})
    assert again.status_code == 200

"""Zalo Bot API against a local emulator written from its documentation: polling, webhook, errors."""

from __future__ import annotations

import asyncio
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot import messages
from bot.channels import zalo
from bot.delivery import SendError
from bot.lanes import ChatLanes
from bot.messages import Outgoing
from harness.bot import BotTestContext, delivering
from harness.servers import serve_app
from storage.models import Citizen, InboundUpdate, Outbox, Question
from tests.bot.zalo_emulator import ZaloEmulator, fixture


async def _poll_until(ctx: BotTestContext, client: zalo.ZaloClient, emu: ZaloEmulator, user: str, n: int) -> None:
    stop = asyncio.Event()
    async with delivering(ctx, {"zalo": zalo.ZaloSender(client, rate_per_second=100)}):
        task = await zalo.start_polling(ctx, client, stop)
        for _ in range(500):
            if len(emu.texts_to(user)) >= n and not emu.updates:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_whole_conversation_by_polling_after_a_webhook(ctx: BotTestContext) -> None:
    emu = ZaloEmulator(webhook={"url": "https://old.example.vn/hooks/zalo", "secret_token": "s3cr3t-value"})
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        for text in ("/start m_MA", "2", "Đường vào ấp 3 hư nặng", "/gui", "1"):
            emu.user_says("z1", text)
        await _poll_until(ctx, client, emu, "z1", 6)
        await client.aclose()
    assert emu.webhook is None and emu.calls["deleteWebhook"] == 1
    replies = emu.texts_to("z1")
    assert "1. Đồng ý\n2. Hỏi ẩn danh" in replies[0]
    assert "Mã số của anh/chị là HG-" in replies[-1]
    assert "typing" in emu.actions
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert (q.channel, q.original_text, q.citizen_field) == ("zalo", "Đường vào ấp 3 hư nặng", "giao_thong")


@pytest.mark.parametrize("idle", ["408", "http408", "empty"])
async def test_an_idle_long_poll_is_no_error(idle: str) -> None:
    emu = ZaloEmulator(idle=idle)
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        assert await client.get_updates(timeout=1) == []
        emu.user_says("z1", "chào")
        [update] = await client.get_updates(timeout=1)
        assert zalo.incoming_from_update(update) is not None
        await client.aclose()


async def test_client_errors_and_webhook_registration() -> None:
    emu = ZaloEmulator()
    with serve_app(emu.app()) as url:
        bad = zalo.ZaloClient("wrong", url)
        with pytest.raises(zalo.ZaloError) as info:
            await bad.send_message("c", "x")
        assert info.value.code == 401 and info.value.unauthorized and info.value.permanent
        await bad.aclose()
        client = zalo.ZaloClient(emu.token, url)
        await zalo.start_webhook(client, "https://example.vn/", "s3cr3t-value")
        assert emu.webhook == {"url": "https://example.vn/hooks/zalo", "secret_token": "s3cr3t-value"}
        assert (await client.get_webhook_info())["url"] == "https://example.vn/hooks/zalo"
        with pytest.raises(zalo.ZaloError):  # the platform refuses polling while a webhook is set
            await client.get_updates(timeout=1)
        with pytest.raises(zalo.ZaloError) as info:
            await client.send_message("c", "")
        assert info.value.permanent
        await client.aclose()


async def test_polling_survives_platform_errors_and_logs_them_once(ctx: BotTestContext,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    emu = ZaloEmulator(poll_failures=[500, 502, 500])
    caplog.set_level(logging.INFO)
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        emu.user_says("z2", "/start m_MA")
        await _poll_until(ctx, client, emu, "z2", 1)
        await client.aclose()
    assert emu.texts_to("z2")
    failures = [r for r in caplog.records if "getUpdates failed" in r.getMessage()]
    assert len(failures) == 1
    assert any("works again" in r.getMessage() for r in caplog.records)


async def test_the_bot_token_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    emu = ZaloEmulator()
    caplog.set_level(logging.DEBUG)
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        await client.send_message("c1", "xin chào")
        await client.get_me()
        await client.aclose()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sendMessage" in logged and "/bot***/" in logged
    assert "zalo-test-token" not in logged


def test_update_kinds_and_broken_updates() -> None:
    voice = zalo.incoming_from_update(fixture("voice_received"))
    assert voice is not None and voice.kind == messages.VOICE and voice.file_ref
    unsupported = zalo.incoming_from_update(fixture("unsupported_received"))
    assert unsupported is not None and unsupported.kind == messages.OTHER
    unknown = zalo.incoming_from_update({"event_name": "message.poll.received", "message": {
        "from": {"id": "u1"}, "chat": {"id": "u1"}, "message_id": "x1"}})
    assert unknown is not None and unknown.kind == messages.OTHER and unknown.update_id == "x1"
    bare = zalo.incoming_from_update(fixture("text_received")["result"])
    assert bare is not None and bare.text == "Xin chào"
    no_id = zalo.incoming_from_update({"event_name": "message.text.received", "message": {
        "from": {"id": "u1"}, "text": "a", "date": 1750316131602}})
    assert no_id is not None and no_id.update_id == "u1:1750316131602" and no_id.chat_id == "u1"
    for broken in ({}, [], "x", {"result": None}, {"message": "x"}, {"message": {"text": "no sender"}},
                   fixture("get_updates_empty")):
        assert zalo.incoming_from_update(broken) is None


def test_long_answers_are_cut_at_line_breaks_within_the_limit() -> None:
    text = "\n".join(f"Dòng {i}: " + "x" * 90 for i in range(60))
    parts = zalo.chunks(text)
    assert all(0 < len(p) <= zalo.MAX_TEXT for p in parts) and len(parts) == 3
    assert "\n".join(parts) == text
    assert zalo.chunks("a" * 4500) == ["a" * 2000, "a" * 2000, "a" * 500]
    assert zalo.chunks("  ") == []


async def test_sender_turns_platform_errors_into_outbox_outcomes() -> None:
    emu = ZaloEmulator(failures=[429, 500])
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        sender = zalo.ZaloSender(client, rate_per_second=100)
        with pytest.raises(SendError) as info:
            await sender.send("c1", Outgoing("a"))
        assert info.value.retry_after == 1.0 and not info.value.permanent
        with pytest.raises(SendError) as info:
            await sender.send("c1", Outgoing("a"))
        assert not info.value.permanent and info.value.retry_after is None
        await sender.send("c1", Outgoing("a"))
        await client.aclose()
        sender = zalo.ZaloSender(zalo.ZaloClient("wrong", url), rate_per_second=100)
        with pytest.raises(SendError) as info:
            await sender.send("c1", Outgoing("a"))
        assert "Bot Token" in info.value.message
        await sender.client.aclose()
    assert emu.texts_to("c1") == ["a"]


def test_settings_are_checked_before_start() -> None:
    assert zalo.config_problems(None, None, "short") == []
    assert zalo.config_problems("1:abc", None, None) == []
    assert zalo.config_problems("1:abc", "https://x.vn", "s3cr3t-value") == []
    [short] = zalo.config_problems("1:abc", "https://x.vn", "short")
    assert "8–256 ký tự" in short and "8-256 characters" in short
    assert len(zalo.config_problems("nocolon", "http://x.vn", None)) == 3


def test_webhook_refuses_requests_without_the_secret(ctx: BotTestContext) -> None:
    emu = ZaloEmulator()
    with serve_app(emu.app()) as url:
        client = zalo.ZaloClient(emu.token, url)
        app = FastAPI()
        lanes = ChatLanes(ctx)
        app.include_router(zalo.webhook_router(ctx, client, "s3cr3t-value", lanes))
        with TestClient(app) as http:
            _webhook_calls(ctx, http)
            http.portal.call(lanes.drain)  # type: ignore[union-attr]
    with ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundUpdate)) == 1
        greetings = s.scalars(select(Outbox.chat_id)).all()
    assert greetings == ["6ede9afa66b88fe6d6a9"]  # one greeting queued, though the update came twice


def _webhook_calls(ctx: BotTestContext, http: TestClient) -> None:
    body = fixture("text_received")
    good = {zalo.SECRET_HEADER: "s3cr3t-value"}
    assert http.post(zalo.WEBHOOK_PATH, json=body).status_code == 403
    assert http.post(zalo.WEBHOOK_PATH, json=body, headers={zalo.SECRET_HEADER: "wrong"}).status_code == 403
    assert http.post(zalo.WEBHOOK_PATH, content=b"{not json", headers=good).status_code == 400
    assert http.post(zalo.WEBHOOK_PATH, content=b"x" * 300_000, headers=good).status_code == 413
    with ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundUpdate)) == 0
        assert s.scalar(select(func.count()).select_from(Citizen)) == 0
    assert http.post(zalo.WEBHOOK_PATH, json=body, headers=good).status_code == 200
    assert http.post(zalo.WEBHOOK_PATH, json=body, headers=good).status_code == 200
    assert http.post(zalo.WEBHOOK_PATH, json={"ok": True, "result": {}}, headers=good).status_code == 200

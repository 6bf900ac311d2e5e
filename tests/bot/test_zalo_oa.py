"""Zalo Official Account against a local emulator of its Open API: signed webhook, tokens, the 7-day rule."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot import messages
from bot.channels.zalo import oa_channel, oa_events
from bot.delivery import DeliveryWorker
from harness.bot import BotTestContext, make_context
from harness.servers import serve_app
from storage.actions import zalo_tokens
from storage.actions.outbox import enqueue
from storage.models import Citizen, InboundUpdate, Outbox, Question, ZaloOaToken
from tests.bot.zalo_emulator import fixture
from tests.bot.zalo_oa_emulator import ZaloOaEmulator

USER = "4572379887016581512"


class Hook:
    """The webhook as Zalo calls it; each call returns once its turn ran and its replies went out."""

    def __init__(self, http: TestClient, chan: oa_channel.OaChannel, worker: DeliveryWorker) -> None:
        assert http.portal is not None
        self.http, self.chan, self.worker, self.portal = http, chan, worker, http.portal

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        response = self.http.post(url, **kwargs)
        self.portal.call(self._settle)
        return response

    async def _settle(self) -> None:
        await self.chan.lanes.drain()
        await self.worker.idle()


@contextmanager
def oa_setup(world_url: str, emu: ZaloOaEmulator, **settings: str) -> Iterator[
        tuple[BotTestContext, oa_channel.OaChannel, Hook]]:
    with serve_app(emu.app()) as url:
        values = {"zalo_oa_app_id": emu.app_id, "zalo_oa_app_secret": emu.app_secret,
                  "zalo_oa_secret_key": emu.oa_secret_key, "zalo_oa_refresh_token": emu.refresh_token,
                  "zalo_oa_api_url": url, "zalo_oa_oauth_url": url, **settings}
        ctx = make_context(world_url, **values)
        chan = oa_channel.OaChannel.from_settings(ctx)
        assert chan is not None
        app = FastAPI()
        app.include_router(chan.router)
        with TestClient(app) as http:
            http.portal.call(chan.start)  # type: ignore[union-attr]
            # This process's outbox worker sends the conversation's replies; the tests claim the rest.
            worker = DeliveryWorker(ctx, {"zalo_oa": chan.sender})
            running = http.portal.call(_start, worker)  # type: ignore[union-attr]
            yield ctx, chan, Hook(http, chan, worker)
            http.portal.call(_stop, worker, *running)  # type: ignore[union-attr]
            http.portal.call(chan.client.aclose)  # type: ignore[union-attr]
        ctx.engine.dispose()


async def _start(worker: DeliveryWorker) -> tuple[asyncio.Event, asyncio.Task[None]]:
    worker.attach()
    stop = asyncio.Event()
    return stop, asyncio.create_task(worker.run(stop, claiming=False))


async def _stop(worker: DeliveryWorker, stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    stop.set()
    await task
    worker.detach()


def clear_outbox(ctx: BotTestContext) -> None:
    with ctx.transaction() as s:
        s.execute(Outbox.__table__.delete())


def post(http: Hook, request: tuple[bytes, dict[str, str]]) -> int:
    raw, headers = request
    return http.post(oa_channel.WEBHOOK_PATH, content=raw, headers=headers).status_code


def stored_tokens(ctx: BotTestContext, app_id: str) -> tuple[str, str]:
    with ctx.transaction() as s:
        row = zalo_tokens.current(s, app_id)
        assert row is not None
        return row.access_token, row.refresh_token


def test_events_from_the_documentation_become_messages() -> None:
    text = oa_events.incoming_from_event(fixture("oa_user_send_text"))
    assert text is not None and (text.channel, text.kind, text.text) == ("zalo_oa", messages.TEXT, "Xin chào")
    assert (text.user_id, text.chat_id, text.update_id) == (USER, USER, "96d3cdf3af150460909")
    image = oa_events.incoming_from_event(fixture("oa_user_send_image"))
    assert image is not None and image.kind == messages.PHOTO and image.file_ref == "https://photo-stal-1.zadn.vn/1.jpg"
    assert image.text == "Đường ngập"
    doc = oa_events.incoming_from_event(fixture("oa_user_send_file"))
    assert doc is not None and doc.kind == messages.DOCUMENT
    assert (doc.file_name, doc.file_size, doc.file_ref) == ("don-kien-nghi.pdf", 233947, "https://f1.zdn.vn/don-kien-nghi.pdf")
    assert oa_events.incoming_from_event(fixture("oa_follow")) is None
    assert oa_events.incoming_from_event({"event_name": "user_send_text", "message": {"text": "x"}}) is None
    odd = oa_events.incoming_from_event({"event_name": "user_send_business_card", "sender": {"id": "u"},
                                         "timestamp": "17", "message": {}})
    assert odd is not None and odd.kind == messages.OTHER and odd.update_id == "u:17"


def test_signature_as_documented() -> None:
    emu = ZaloOaEmulator()
    raw, headers = emu.user_says(USER, "chào")
    body = json.loads(raw)
    mac = headers["X-ZEvent-Signature"]
    assert oa_events.signed(raw, body, mac, emu.app_id, emu.oa_secret_key)
    assert oa_events.signed(raw, body, mac.removeprefix("mac=").upper(), emu.app_id, emu.oa_secret_key)
    assert not oa_events.signed(raw + b" ", body, mac, emu.app_id, emu.oa_secret_key)
    assert not oa_events.signed(raw, body, mac, emu.app_id, "another-key")
    assert not oa_events.signed(raw, body, mac, "another-app", emu.oa_secret_key)
    assert not oa_events.signed(raw, {**body, "timestamp": ""}, mac, emu.app_id, emu.oa_secret_key)
    assert not oa_events.signed(raw, body, "", emu.app_id, emu.oa_secret_key)


def test_unsigned_events_are_refused_and_store_nothing(world_url: str) -> None:
    emu = ZaloOaEmulator()
    with oa_setup(world_url, emu) as (ctx, _chan, http):
        raw, headers = emu.user_says(USER, "/start m_MA")
        assert post(http, (raw, {})) == 403
        assert post(http, (raw, {**headers, "X-ZEvent-Signature": "mac=" + "0" * 64})) == 403
        forged = raw.replace(b"/start m_MA", b"/start m_MB")
        assert post(http, (forged, headers)) == 403
        assert http.post(oa_channel.WEBHOOK_PATH, content=b"[]", headers=headers).status_code == 403
        assert http.post(oa_channel.WEBHOOK_PATH, content=b"{x", headers=headers).status_code == 400
        with ctx.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Citizen)) == 0
            assert s.scalar(select(func.count()).select_from(InboundUpdate)) == 0
        assert post(http, (raw, headers)) == 200
        assert post(http, (raw, headers)) == 200  # Zalo's retry of the same event
        assert post(http, emu.event(USER, "follow", {})) == 200
    with ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundUpdate)) == 1
    assert len(emu.texts_to(USER)) == 1  # the retry is answered by the one turn, not again


def test_whole_conversation_through_the_oa(world_url: str) -> None:
    emu = ZaloOaEmulator()
    with oa_setup(world_url, emu) as (ctx, _chan, http):
        for text in ("/start m_MA", "2", "Đường vào ấp 3 hư nặng", "/gui", "1"):
            assert post(http, emu.user_says(USER, text)) == 200
        assert post(http, emu.event(USER, "user_send_image", {"attachments": [
            {"type": "image", "payload": {"url": "https://photo-stal-1.zadn.vn/2.jpg"}}]})) == 200
    replies = emu.texts_to(USER)
    assert "1. Đồng ý\n2. Hỏi ẩn danh" in replies[0]
    assert any("Mã số của anh/chị là HG-" in r for r in replies)
    with ctx.transaction() as s:
        q = s.scalars(select(Question)).one()
        assert (q.channel, q.original_text) == ("zalo_oa", "Đường vào ấp 3 hư nặng")


def test_tokens_are_refreshed_rotated_in_the_database_and_never_logged(
        world_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emu = ZaloOaEmulator()
    first_refresh = emu.refresh_token
    with oa_setup(world_url, emu) as (ctx, chan, http):
        post(http, emu.user_says(USER, "/start m_MA"))  # no access token yet: refreshed before the reply
        assert emu.calls["access_token"] == 1 and len(emu.texts_to(USER)) == 1
        access, refresh = stored_tokens(ctx, emu.app_id)
        assert refresh == emu.refresh_token != first_refresh and access in emu.access_tokens
        post(http, emu.user_says(USER, "2"))
        assert emu.calls["access_token"] == 1  # still fresh
        before = len(emu.texts_to(USER))
        emu.expire_access_tokens()  # Zalo refuses the token before its time (-216): refresh once, resend
        post(http, emu.user_says(USER, "Đường hư"))
        assert emu.calls["access_token"] == 2 and len(emu.texts_to(USER)) > before
        assert stored_tokens(ctx, emu.app_id)[1] == emu.refresh_token
        http.portal.call(chan.start)  # a restart with the same settings keeps the rotated pair
        assert stored_tokens(ctx, emu.app_id)[1] == emu.refresh_token
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "tokens refreshed" in logged
    for secret in (first_refresh, refresh, access, emu.refresh_token, emu.app_secret, *emu.access_tokens):
        assert secret not in logged
    assert access not in repr(ZaloOaToken(app_id="x", access_token=access))


def test_a_new_authorisation_in_settings_replaces_stored_tokens(world_url: str) -> None:
    emu = ZaloOaEmulator()
    with oa_setup(world_url, emu) as (ctx, _chan, http):
        post(http, emu.user_says(USER, "/start m_MA"))
    emu.refresh_token = "r-reauthorised"
    with oa_setup(world_url, emu, zalo_oa_access_token="a-given") as (ctx, _chan, _http):
        assert stored_tokens(ctx, emu.app_id) == ("a-given", "r-reauthorised")


def _reply_outbox(ctx: BotTestContext, key: str = "reply:1") -> None:
    with ctx.transaction() as s:
        enqueue(s, channel="zalo_oa", chat_id=USER, text="Trả lời: đường sẽ được sửa trong tháng 12.", key=key)


async def _deliver(ctx: BotTestContext, chan: oa_channel.OaChannel) -> Outbox:
    worker = DeliveryWorker(ctx, {"zalo_oa": chan.sender})
    for job in worker.claim(10):
        await worker.consume(job)
    await worker.flush()
    with ctx.transaction() as s:
        row = s.scalars(select(Outbox).where(Outbox.idempotency_key.startswith("reply:"))).one()
        s.expunge(row)
        return row


def test_outside_the_7_day_window_the_reply_fails_once_with_a_reason(world_url: str) -> None:
    emu = ZaloOaEmulator()
    with oa_setup(world_url, emu) as (ctx, chan, http):
        post(http, emu.user_says(USER, "/start m_MA"))
        emu.days_pass(8)
        _reply_outbox(ctx)
        row = http.portal.call(_deliver, ctx, chan)
        assert row.status == "failed" and row.attempts == 1
        assert row.last_error is not None and "7 ngày" in row.last_error and "web chat" in row.last_error
        assert "(mã -230)" in row.last_error
        sent = emu.calls["message/cs"]
        assert http.portal.call(_deliver, ctx, chan).status == "failed"
        assert emu.calls["message/cs"] == sent  # not tried again


def test_a_citizen_who_blocked_the_oa_and_platform_errors(world_url: str) -> None:
    emu = ZaloOaEmulator(failures=[500])
    with oa_setup(world_url, emu) as (ctx, chan, http):
        post(http, emu.user_says(USER, "/start m_MA"))  # the greeting meets the 500: tried again later
        clear_outbox(ctx)
        _reply_outbox(ctx)
        row = http.portal.call(_deliver, ctx, chan)
        assert row.status == "sent"
        emu.blocked.add(USER)
        with ctx.transaction() as s:
            s.execute(Outbox.__table__.delete())
        _reply_outbox(ctx, key="reply:2")
        row = http.portal.call(_deliver, ctx, chan)
        assert row.status == "failed" and "chặn" in (row.last_error or "")
        emu.failures.append(502)
        with ctx.transaction() as s:
            s.execute(Outbox.__table__.delete())
        _reply_outbox(ctx, key="reply:3")
        row = http.portal.call(_deliver, ctx, chan)
        assert row.status == "pending" and "sẽ thử lại" in (row.last_error or "")


def test_a_dead_refresh_token_is_logged_once_and_never_loses_the_reply(
        world_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    emu = ZaloOaEmulator()
    with oa_setup(world_url, emu) as (ctx, chan, http):
        emu.refresh_token = "r-issued-elsewhere"  # the OA was authorised again somewhere else
        post(http, emu.user_says(USER, "/start m_MA"))
        clear_outbox(ctx)
        _reply_outbox(ctx)
        row = http.portal.call(_deliver, ctx, chan)
        assert row.status == "pending" and "làm mới" in (row.last_error or "")
        with ctx.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Citizen)) == 1
    failures = [r for r in caplog.records if "refresh failed" in r.getMessage()]
    assert len(failures) == 1


def test_oa_settings_are_checked_before_start() -> None:
    assert oa_channel.config_problems(None, None, None, None) == []
    assert oa_channel.config_problems("1", "a", "b", "c") == []
    [problem] = oa_channel.config_problems("1", None, "b", None)
    assert "DOITHOAI_ZALO_OA_APP_SECRET" in problem and "DOITHOAI_ZALO_OA_REFRESH_TOKEN" in problem


def test_serve_refuses_bad_zalo_settings_without_a_traceback(world_url: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from doithoai.context import Services
    from doithoai.runtime import run

    ctx = make_context(world_url, zalo_token="1:abc", zalo_webhook_url="https://x.vn", zalo_webhook_secret="short",
                       zalo_oa_app_id="1")
    with pytest.raises(SystemExit) as info:
        run(Services(settings=ctx.settings), "127.0.0.1", 0, None)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "DOITHOAI_ZALO_WEBHOOK_SECRET phải dài 8–256 ký tự" in err and "Traceback" not in err
    assert "DOITHOAI_ZALO_OA_APP_SECRET" in err
    ctx.engine.dispose()

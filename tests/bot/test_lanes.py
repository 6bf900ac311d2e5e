"""Webhooks answer once the update is stored; turns run after, each chat's in order, none lost."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import service
from bot.channels import zalo
from bot.lanes import ChatLanes
from bot.messages import Incoming
from harness.bot import BotTestContext
from storage.models import InboundUpdate
from tests.bot.zalo_emulator import fixture


def _statuses(ctx: BotTestContext) -> list[str]:
    with ctx.transaction() as s:
        return list(s.scalars(select(InboundUpdate.status).order_by(InboundUpdate.id)))


def test_the_webhook_answers_before_a_slow_turn(ctx: BotTestContext) -> None:
    """Zalo waits for the answer to its POST: a stored update is answered 200 while its turn still runs."""
    release = asyncio.Event()

    async def slow(_item: service.Stored) -> None:
        await release.wait()

    lanes = ChatLanes(ctx, before=slow)
    app = FastAPI()
    app.include_router(zalo.webhook_router(ctx, zalo.ZaloClient("1:abc", "http://127.0.0.1:9"), "s3cr3t-value", lanes))
    with TestClient(app) as http:
        good = {zalo.SECRET_HEADER: "s3cr3t-value"}
        assert http.post(zalo.WEBHOOK_PATH, json=fixture("text_received"), headers=good).status_code == 200
        assert _statuses(ctx) == ["pending"]  # stored, not yet handled
        http.portal.call(release.set)  # type: ignore[union-attr]
        http.portal.call(lanes.drain)  # type: ignore[union-attr]
    assert _statuses(ctx) == ["handled"]


async def test_each_chat_in_order_chats_side_by_side(ctx: BotTestContext) -> None:
    started: list[str] = []
    gate = asyncio.Event()

    async def note(item: service.Stored) -> None:
        started.append(item.incoming.text or "")
        if item.incoming.chat_id == "slow":
            await gate.wait()

    lanes = ChatLanes(ctx, before=note)
    updates = [Incoming(channel="zalo", user_id=chat, chat_id=chat, text=f"{chat}-{n}", update_id=f"{chat}:{n}")
               for n in range(3) for chat in ("slow", "fast")]
    lanes.add_new(await asyncio.to_thread(service.store, ctx, updates))
    async def fast_done() -> None:
        while len([s for s in started if s.startswith("fast")]) < 3:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(fast_done(), 60)
    assert [s for s in started if s.startswith("slow")] == ["slow-0"]  # the slow chat waits behind its first
    gate.set()
    await lanes.drain()
    assert [s for s in started if s.startswith("slow")] == ["slow-0", "slow-1", "slow-2"]
    assert _statuses(ctx) == ["handled"] * 6


def test_a_turn_cut_short_at_shutdown_is_resumed(ctx: BotTestContext) -> None:
    update = Incoming(channel="zalo", user_id="u", chat_id="u", text="/start", update_id="u:1")

    async def never(_item: service.Stored) -> None:
        await asyncio.Event().wait()

    async def cut() -> None:
        lanes = ChatLanes(ctx, before=never)
        lanes.add_new(await asyncio.to_thread(service.store, ctx, [update]))
        await asyncio.sleep(0.05)  # the turn has started and waits

    asyncio.run(cut())  # the loop ends and cancels the turn, as a shutdown does
    assert _statuses(ctx) == ["pending"]
    assert asyncio.run(service.resume(ctx)) == 1
    assert _statuses(ctx) == ["handled"]

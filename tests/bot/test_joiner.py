"""A question split over several messages goes on by itself after the quiet period.

The quiet period is measured on a clock the test moves (`now`), not by sleeping.
"""

from __future__ import annotations

from datetime import timedelta

from bot import joiner
from bot.messages import Outgoing
from harness.bot import BotTestContext, Citizen
from storage.clock import utcnow


async def test_quiet_period_joins_the_pieces(ctx: BotTestContext) -> None:
    ctx.settings.question_join_seconds = 0.3
    c = Citizen(ctx, "j1")
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    assert c.say("Đường vào ấp 3") == []  # pieces are not acknowledged one by one
    assert c.say("bị hư nặng") == []
    assert joiner.due(ctx, 0.3) == []
    later = utcnow() + timedelta(seconds=0.4)
    sent: list[tuple[str, Outgoing]] = []

    async def deliver(chat_id: str, out: Outgoing) -> None:
        sent.append((chat_id, out))

    assert await joiner.flush_once(ctx, {"telegram": deliver}, 0.3, later) == 1
    assert sent and sent[0][0] == "j1" and "Giao thông" in sent[0][1].text
    assert await joiner.flush_once(ctx, {"telegram": deliver}, 0.3, later) == 0  # once per draft
    c.last = [out for _, out in sent]
    c.press("Đúng")
    assert "Mã số" in c.text


async def test_web_chat_gets_the_joined_reply_in_its_inbox(ctx: BotTestContext) -> None:
    from sqlalchemy import select

    from bot.channels.webchat import post_to_page
    from storage.models import Outbox

    ctx.settings.question_join_seconds = 0.2
    c = Citizen(ctx, "w1", channel="web")
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    c.say("Mất điện cả tuần")
    assert joiner.due(ctx, 0.2) == []
    later = utcnow() + timedelta(seconds=0.3)
    assert await joiner.flush_once(ctx, {"web": lambda chat, out: post_to_page(ctx, chat, out)}, 0.2, later) == 1
    with ctx.transaction() as s:
        row = s.scalars(select(Outbox)).one()
        assert row.chat_id == "w1" and "Điện" in row.text
        assert row.buttons is not None and row.buttons[0][0]["label"] == "Đúng"

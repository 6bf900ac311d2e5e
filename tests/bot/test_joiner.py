"""A question split over several messages goes on by itself after the quiet period.

The quiet period is measured on a clock the test moves (`now`), not by sleeping. The reply goes
out through the outbox like every other reply.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import joiner
from bot.messages import Outgoing
from harness.bot import BotTestContext, Citizen
from storage.clock import utcnow
from storage.models import InboundUpdate, Outbox
from storage.queries import web_messages


def joined_replies(ctx: BotTestContext) -> list[Outbox]:
    """The outbox rows written for the «Gửi» the quiet period pressed."""
    with ctx.transaction() as s:
        stmt = (select(Outbox).join(InboundUpdate, InboundUpdate.id == Outbox.inbound_id)
                .where(InboundUpdate.update_id.startswith("join:")).order_by(Outbox.id))
        return list(s.scalars(stmt))


async def test_quiet_period_joins_the_pieces(ctx: BotTestContext) -> None:
    ctx.settings.question_join_seconds = 0.3
    c = Citizen(ctx, "j1")
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    assert c.say("Đường vào ấp 3") == []  # pieces are not acknowledged one by one
    assert c.say("bị hư nặng") == []
    assert joiner.due(ctx, 0.3) == []
    later = utcnow() + timedelta(seconds=0.4)
    assert await joiner.flush_once(ctx, 0.3, later) == 1
    sent = joined_replies(ctx)
    assert [r.chat_id for r in sent] == ["j1"] and "Giao thông" in sent[0].text
    assert await joiner.flush_once(ctx, 0.3, later) == 0  # once per draft
    assert len(joined_replies(ctx)) == 1
    c.last = [Outgoing.from_dict({"text": r.text, "buttons": r.buttons or []}) for r in sent]
    c.press("Đúng")
    assert "Mã số" in c.text


async def test_web_chat_gets_the_joined_reply_in_its_inbox(ctx: BotTestContext) -> None:
    ctx.settings.question_join_seconds = 0.2
    c = Citizen(ctx, "w1", channel="web")
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    c.say("Mất điện cả tuần")
    assert joiner.due(ctx, 0.2) == []
    later = utcnow() + timedelta(seconds=0.3)
    assert await joiner.flush_once(ctx, 0.2, later) == 1
    (row,) = joined_replies(ctx)
    assert row.chat_id == "w1" and row.status == "pending" and "Điện" in row.text
    assert row.buttons is not None and row.buttons[0][0]["label"] == "Đúng"
    with ctx.transaction() as s:
        assert [r.id for r in web_messages(s, "w1")] == [row.id]  # the page fetches it

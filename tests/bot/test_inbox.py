"""The durable inbox: every update stored before it is handled, handled once, every reply in the outbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot import messages, service
from bot.messages import Outgoing
from harness.bot import BotTestContext, Citizen, make_context
from harness.factories import make_world
from storage.db import session_scope
from storage.models import InboundUpdate, Outbox, Question


@pytest.fixture
def pg_ctx(pg_database: str) -> Iterator[BotTestContext]:
    from tests.conftest import _truncate

    ctx = make_context(pg_database)
    _truncate(ctx.engine)
    with session_scope(ctx.sessions) as s:
        make_world(s)
    yield ctx
    ctx.engine.dispose()


def count(ctx: BotTestContext, model: type[InboundUpdate] | type[Outbox]) -> int:
    with ctx.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_every_reply_is_an_outbox_row_and_a_redelivery_changes_nothing(ctx: BotTestContext) -> None:
    inc = messages.text_incoming("telegram", "t1", "t1", "/start m_MA", "42")
    first = service.process(ctx, inc)
    assert first and count(ctx, InboundUpdate) == 1
    with ctx.transaction() as s:
        rows = s.scalars(select(Outbox).order_by(Outbox.id)).all()
        assert [r.text for r in rows] == [o.text for o in first]
        assert rows[-1].buttons == first[-1].as_dict()["buttons"] and all(r.status == "pending" for r in rows)
    assert service.process(ctx, inc) == first  # the same replies again, nothing new queued
    assert count(ctx, InboundUpdate) == 1 and count(ctx, Outbox) == len(first)


def test_web_replies_are_delivered_by_the_response(ctx: BotTestContext) -> None:
    inc = messages.text_incoming("web", "w1", "w1", "/start m_MA", "w:1")
    replies = service.process(ctx, inc, answered_inline=True)
    with ctx.transaction() as s:
        assert {r.status for r in s.scalars(select(Outbox))} == {"sent"}
    assert replies


async def test_an_update_stored_but_never_handled_is_handled_after_a_restart(ctx: BotTestContext) -> None:
    inc = messages.text_incoming("zalo", "z1", "z1", "/start m_MA", "m-1")
    (item,) = service.store(ctx, [inc])  # ... and the process dies here
    assert item.new and count(ctx, Outbox) == 0
    assert service.store(ctx, [inc])[0].new is False  # the platform delivers it again: stored once
    assert await service.resume(ctx) == 1
    with ctx.transaction() as s:
        row = s.scalars(select(InboundUpdate)).one()
        assert row.status == "handled"
        assert s.scalars(select(Outbox.chat_id)).all() == ["z1"]
    assert await service.resume(ctx) == 0


def test_a_turn_that_fails_is_answered_once_and_not_tried_again(ctx: BotTestContext,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.flow import handlers

    def broken(*_: object) -> str:
        raise ZeroDivisionError

    monkeypatch.setattr(handlers, "handle", broken)
    inc = messages.text_incoming("telegram", "t9", "t9", "xin chào", "77")
    from bot import texts

    assert service.process(ctx, inc) == [Outgoing(texts.ERROR)]
    with ctx.transaction() as s:
        assert s.scalars(select(InboundUpdate.status)).one() == "failed"
        assert s.scalars(select(Outbox.text)).all() == [texts.ERROR]
    assert service.process(ctx, inc) == [Outgoing(texts.ERROR)]
    assert count(ctx, Outbox) == 1


@pytest.mark.parametrize("channel", ["web", "telegram", "zalo"])
def test_one_update_delivered_many_times_at_once_is_handled_once_on_postgresql(
    pg_ctx: BotTestContext, channel: str
) -> None:
    """A retried webhook, two deliveries of one message id, a double POST: the question is stored once."""
    inline = channel == "web"
    c = Citizen(pg_ctx, f"dup-{channel}", channel=channel)
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    text = "Đèn đường ấp 2 hỏng cả tháng nay"
    inc = messages.text_incoming(channel, c.user, c.user, text, f"{channel}-same-id")
    n = 8
    barrier = threading.Barrier(n)

    def deliver(_: int) -> list[Outgoing]:
        barrier.wait()
        return service.process(pg_ctx, inc, answered_inline=inline)

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(deliver, range(n)))
    assert all(r == results[0] for r in results), "every delivery gets the replies of the one turn"
    with pg_ctx.transaction() as s:
        (inbound,) = s.scalars(select(InboundUpdate).where(InboundUpdate.update_id == inc.update_id)).all()
        queued = s.scalars(select(Outbox).where(Outbox.inbound_id == inbound.id)).all()
        assert [r.text for r in queued] == [o.text for o in results[0]]
    c.last = results[0]
    c.press("Gửi")
    if any(b.label == "Đúng" for o in c.last for b in o.flat_buttons()):
        c.press("Đúng")
    else:
        c.say("1")
    assert "Mã số" in c.text
    with pg_ctx.transaction() as s:
        assert s.scalars(select(Question.original_text)).all() == [text]


def test_messages_of_one_citizen_handled_at_once_each_see_the_last_on_postgresql(pg_ctx: BotTestContext) -> None:
    """Eight pieces of a question sent at once: each turn waits for the conversation the one before
    it saved (the row is locked as the citizen is read), so no piece of the draft is lost."""
    c = Citizen(pg_ctx, "pieces")
    c.say("/start m_MA")
    c.press("Hỏi ẩn danh")
    n = 8
    barrier = threading.Barrier(n)

    def deliver(i: int) -> list[Outgoing]:
        inc = messages.text_incoming("telegram", c.user, c.user, f"Ý {i}: đường ấp {i} hư", f"piece-{i}")
        barrier.wait()
        return service.process(pg_ctx, inc)

    with ThreadPoolExecutor(n) as pool:
        list(pool.map(deliver, range(n)))
    c.say("/gui")
    c.say("1")
    assert "Mã số" in c.text
    with pg_ctx.transaction() as s:
        (stored,) = s.scalars(select(Question.original_text)).all()
    assert sorted(stored.split("\n")) == sorted(f"Ý {i}: đường ấp {i} hư" for i in range(n))

"""Telegram pieces without the emulator: the webhook (secret token, stored once), the sender's errors and buttons."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels import telegram
from bot.delivery import SendError
from bot.lanes import ChatLanes
from bot.messages import Button, Outgoing
from harness.bot import BotTestContext
from storage.models import InboundUpdate, Outbox

FIXTURES = Path(__file__).parent.parent / "fixtures" / "telegram"


class FakeApp:
    """What the sender uses of a PTB Application."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent: list[tuple[int, str, Any]] = []
        self.bot = self

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any], **kw: Any) -> bool:
        if self.error is not None:
            raise self.error
        assert endpoint == "sendMessage" and kw.get("return_type") is None
        self.sent.append((api_kwargs["chat_id"], api_kwargs["text"], api_kwargs.get("reply_markup")))
        return True


def counts(ctx: BotTestContext) -> tuple[int, int]:
    with ctx.transaction() as s:
        return (s.scalar(select(func.count()).select_from(InboundUpdate)) or 0,
                s.scalar(select(func.count()).select_from(Outbox)) or 0)


def test_webhook_requires_the_secret_token_and_stores_each_update_once(ctx: BotTestContext) -> None:
    app = telegram.build_application("123:abc")
    api = FastAPI()
    lanes = ChatLanes(ctx)
    api.include_router(telegram.webhook_router(ctx, app, "hook-secret", lanes))
    body = json.loads((FIXTURES / "text.json").read_text(encoding="utf-8"))
    with TestClient(api) as http:
        assert http.post(telegram.WEBHOOK_PATH, json=body).status_code == 403
        bad = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
        assert http.post(telegram.WEBHOOK_PATH, json=body, headers=bad).status_code == 403
        assert counts(ctx) == (0, 0)
        good = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
        assert http.post(telegram.WEBHOOK_PATH, json=body, headers=good).status_code == 200
        assert counts(ctx)[0] == 1  # stored before the answer; the turn runs after it
        http.portal.call(lanes.drain)  # type: ignore[union-attr]
        first = counts(ctx)
        assert http.post(telegram.WEBHOOK_PATH, json=body, headers=good).status_code == 200  # Telegram retried
        http.portal.call(lanes.drain)  # type: ignore[union-attr]
    assert first[0] == 1 and first[1] >= 1
    assert counts(ctx) == first  # the second delivery stored nothing and queued no second reply
    with ctx.transaction() as s:
        row = s.scalars(select(InboundUpdate)).one()
        assert (row.update_id, row.status) == ("900002", "handled")
        assert {r.chat_id for r in s.scalars(select(Outbox))} == {"123456789"}


@pytest.mark.parametrize(
    ("error", "retry_after", "permanent"),
    [(RetryAfter(timedelta(seconds=7)), 7.0, False), (Forbidden("bot was blocked by the user"), None, True),
     (BadRequest("chat not found"), None, True), (NetworkError("connection reset"), None, False)],
)
async def test_sender_translates_telegram_errors(error: Exception, retry_after: float | None,
                                                 permanent: bool) -> None:
    sender = telegram.TelegramSender(FakeApp(error), 30, 1)  # type: ignore[arg-type]
    with pytest.raises(SendError) as caught:
        await sender.send("42", Outgoing("Trả lời"))
    assert caught.value.retry_after == retry_after and caught.value.permanent is permanent


async def test_sender_splits_long_answers_and_puts_the_buttons_last() -> None:
    fake = FakeApp()
    out = Outgoing("a" * 5000, ((Button("Đúng", "field:ok"),),))
    await telegram.TelegramSender(fake, 30, 1).send("42", out)  # type: ignore[arg-type]
    assert [len(t) for _, t, _ in fake.sent] == [4096, 904]
    assert fake.sent[0][2] is None
    assert fake.sent[1][2].inline_keyboard[0][0].callback_data == "field:ok"

"""Telegram pieces without the emulator: the webhook's secret token and the sender's error mapping."""

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
from harness.bot import BotTestContext
from storage.models import ProcessedUpdate

FIXTURES = Path(__file__).parent.parent / "fixtures" / "telegram"


class FakeApp:
    """What the webhook and the sender use of a PTB Application."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.processed: list[Any] = []
        self.sent: list[tuple[int, str]] = []
        self.bot = self

    async def process_update(self, update: Any) -> None:
        self.processed.append(update)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((chat_id, text))


def test_webhook_requires_the_secret_token(ctx: BotTestContext) -> None:
    app = telegram.build_application(ctx, "123:abc")
    fake = FakeApp()
    api = FastAPI()
    api.include_router(telegram.webhook_router(app, "hook-secret"))
    app.process_update = fake.process_update  # type: ignore[method-assign]
    body = json.loads((FIXTURES / "text.json").read_text(encoding="utf-8"))
    with TestClient(api) as http:
        assert http.post(telegram.WEBHOOK_PATH, json=body).status_code == 403
        bad = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
        assert http.post(telegram.WEBHOOK_PATH, json=body, headers=bad).status_code == 403
        assert fake.processed == []
        good = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
        assert http.post(telegram.WEBHOOK_PATH, json=body, headers=good).status_code == 200
    assert [u.update_id for u in fake.processed] == [900002]
    with ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0


@pytest.mark.parametrize(
    ("error", "retry_after", "permanent"),
    [(RetryAfter(timedelta(seconds=7)), 7.0, False), (Forbidden("bot was blocked by the user"), None, True),
     (BadRequest("chat not found"), None, True), (NetworkError("connection reset"), None, False)],
)
async def test_sender_translates_telegram_errors(error: Exception, retry_after: float | None,
                                                 permanent: bool) -> None:
    sender = telegram.TelegramSender(FakeApp(error), 30, 1)  # type: ignore[arg-type]
    with pytest.raises(SendError) as caught:
        await sender.send("42", "Trả lời")
    assert caught.value.retry_after == retry_after and caught.value.permanent is permanent


async def test_sender_splits_long_answers() -> None:
    fake = FakeApp()
    await telegram.TelegramSender(fake, 30, 1).send("42", "a" * 5000)  # type: ignore[arg-type]
    assert [len(t) for _, t in fake.sent] == [4096, 904]

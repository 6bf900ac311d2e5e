"""Zalo, two ways: the Zalo Bot Platform's Bot API (`bot_*`) and an Official Account's Open API (`oa_*`)."""

from bot.channels.zalo.bot_api import MAX_TEXT, ZaloClient, ZaloError
from bot.channels.zalo.bot_channel import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    ZaloSender,
    chunks,
    config_problems,
    poll,
    render,
    start_polling,
    start_webhook,
    webhook_router,
)
from bot.channels.zalo.updates import CHANNEL, incoming_from_update

__all__ = [
    "CHANNEL",
    "MAX_TEXT",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "ZaloClient",
    "ZaloError",
    "ZaloSender",
    "chunks",
    "config_problems",
    "incoming_from_update",
    "poll",
    "render",
    "start_polling",
    "start_webhook",
    "webhook_router",
]

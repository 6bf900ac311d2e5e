"""Telegram through python-telegram-bot: long polling by default, webhook with a secret token.

Updates go to `bot.service` (stored, then handled once); replies are outbox rows sent by `TelegramSender`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import warnings
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot import messages, service
from bot.context import BotHost
from bot.delivery import SendError
from bot.lanes import ChatLanes
from bot.messages import Incoming, Outgoing

CHANNEL = "telegram"
PtbApp = Application[Any, Any, Any, Any, Any, Any]
MAX_TEXT = 4096
WEBHOOK_PATH = "/hooks/telegram"
log = logging.getLogger("doithoai.telegram")
# Sends run side by side; a small pool keeps httpcore's per-request bookkeeping (quadratic in
# the number of pooled connections) cheap, and 8 connections to one API host are plenty.
CONNECTION_POOL_SIZE = 8
SEND_MESSAGE = "sendMessage"
# PTB suggests `Bot.send_message` whenever a method it wraps goes through `do_api_request`.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|getUpdates)'", category=PTBUserWarning)


def incoming_from_update(update: Update) -> Incoming | None:
    """The channel-neutral form of an update; None for updates the conversation ignores."""
    uid = str(update.update_id)
    query = update.callback_query
    if query is not None:
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        return Incoming(CHANNEL, str(query.from_user.id), str(chat_id), kind=messages.BUTTON,
                        data=query.data or "", update_id=uid)
    msg = update.message
    if msg is None or msg.from_user is None:
        return None
    user, chat = str(msg.from_user.id), str(msg.chat.id)
    if msg.text is not None:
        return messages.text_incoming(CHANNEL, user, chat, msg.text, uid)
    caption = msg.caption or ""
    if msg.photo:
        best = max(msg.photo, key=lambda p: p.file_size or p.width * p.height)
        return Incoming(CHANNEL, user, chat, kind=messages.PHOTO, text=caption, update_id=uid,
                        file_ref=f"telegram:{best.file_id}", mime_type="image/jpeg", file_size=best.file_size)
    if msg.document is not None:
        doc = msg.document
        return Incoming(CHANNEL, user, chat, kind=messages.DOCUMENT, text=caption, update_id=uid,
                        file_ref=f"telegram:{doc.file_id}", file_name=doc.file_name, mime_type=doc.mime_type,
                        file_size=doc.file_size)
    if msg.voice is not None or msg.audio is not None or msg.video_note is not None:
        kind = messages.VOICE
    elif msg.sticker is not None:
        kind = messages.STICKER
    elif msg.location is not None or msg.venue is not None:
        kind = messages.LOCATION
    else:
        kind = messages.OTHER
    return Incoming(CHANNEL, user, chat, kind=kind, update_id=uid)


def keyboard(out: Outgoing) -> InlineKeyboardMarkup | None:
    if not out.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                 for row in out.buttons])


def chunks(text: str, size: int = MAX_TEXT) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def build_application(token: str, base_url: str | None = None) -> PtbApp:
    """The PTB Application used as a Bot API client; updates never pass through its handlers.

    Polling is `poll` below and the webhook is `webhook_router`: both store each update in the
    inbox before anything else (PTB's own Updater confirms updates as soon as it fetches them).
    """
    builder = Application.builder().token(token).updater(None).connection_pool_size(CONNECTION_POOL_SIZE)
    if base_url:
        root = base_url.rstrip("/")
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    return builder.build()


async def poll(ctx: BotHost, app: PtbApp, stop: asyncio.Event, timeout: int = 10, window: int = 500) -> None:
    """Long polling: each batch is stored in the inbox, then confirmed (the next `offset`), then handled.

    An update is confirmed only once stored, so a process killed at any moment loses nothing: what
    was fetched but not stored comes again, what was stored but not handled is resumed at the next
    start. Chats are handled side by side, each chat's updates in order.
    """
    offset = 0
    lanes = ChatLanes(ctx, window=window)
    courtesies: set[asyncio.Task[None]] = set()
    while not stop.is_set():
        await lanes.room()
        try:
            raw = await app.bot.do_api_request(
                "getUpdates", api_kwargs={"offset": offset, "timeout": timeout,
                                          "allowed_updates": ["message", "callback_query"]},
                read_timeout=timeout + 10)
        except RetryAfter as exc:
            await asyncio.sleep(_seconds(exc.retry_after))
            continue
        except TelegramError:
            log.warning("Telegram getUpdates failed; retrying", exc_info=True)
            await asyncio.sleep(2.0)
            continue
        updates = [u for u in (Update.de_json(r, app.bot) for r in raw or [] if isinstance(r, dict))
                   if u is not None and u.update_id >= offset]
        if not updates:
            continue
        parsed = [(u, incoming_from_update(u)) for u in updates]
        try:
            stored = await asyncio.to_thread(service.store, ctx, [i for _, i in parsed if i is not None])
        except service.NotStored:
            log.warning("could not store Telegram updates; they will be fetched again")
            await asyncio.sleep(2.0)
            continue
        offset = max(u.update_id for u in updates) + 1
        for update, _ in parsed:
            if update.callback_query is not None:
                task = asyncio.create_task(_answer_callback(update))
                courtesies.add(task)
                task.add_done_callback(courtesies.discard)
        lanes.add_new(stored)  # one fetched again after a restart is left to `resume`
    await lanes.drain()


async def _answer_callback(update: Update) -> None:
    """Stop the spinner on the pressed button; only a courtesy, so a failure is only logged."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer()
    except TelegramError:
        log.debug("callback answer failed", exc_info=True)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends outbox rows; platform errors become SendError (429 keeps Telegram's retry_after)."""

    channel = CHANNEL

    def __init__(self, app: PtbApp, rate_per_second: float, rate_per_chat: float) -> None:
        self.app = app
        self.rate_per_second = rate_per_second
        self.rate_per_chat = rate_per_chat
        # No more sends inside httpx than it has connections: a request queued in httpcore's pool
        # is looked at again whenever any request ends (a third of the send's time with 200 in
        # flight); waiting here costs nothing.
        self._slots = asyncio.Semaphore(CONNECTION_POOL_SIZE)

    async def send(self, chat_id: str, out: Outgoing) -> None:
        async with self._slots:
            await self._send(chat_id, out)

    async def _send(self, chat_id: str, out: Outgoing) -> None:
        parts = chunks(out.text)
        try:
            for i, part in enumerate(parts):
                params: dict[str, Any] = {"chat_id": int(chat_id), "text": part}
                markup = keyboard(out) if i == len(parts) - 1 else None
                if markup is not None:
                    params["reply_markup"] = markup
                # The raw request: the sent message Telegram returns is not needed, and parsing it
                # into objects cost more than the rest of the send. Generous timeouts: a timed-out
                # send may still have arrived, and is then sent again.
                await self.app.bot.do_api_request(SEND_MESSAGE, api_kwargs=params,
                                                  read_timeout=30, write_timeout=30)
        except RetryAfter as exc:
            raise SendError(f"Telegram 429: {exc}", retry_after=_seconds(exc.retry_after)) from exc
        except (Forbidden, BadRequest) as exc:
            raise SendError(f"Telegram từ chối: {exc}", permanent=True) from exc
        except NetworkError as exc:
            raise SendError(f"Lỗi mạng tới Telegram: {exc}") from exc
        except TelegramError as exc:
            raise SendError(f"Telegram: {exc}") from exc


def webhook_router(ctx: BotHost, app: PtbApp, secret: str, lanes: ChatLanes | None = None) -> APIRouter:
    """POST /hooks/telegram: refuses requests without the secret token set with setWebhook.

    The update is stored before the answer 200 and its turn runs after, in `lanes`; when it cannot
    be stored the answer is 503, and Telegram delivers it again.
    """
    router = APIRouter()
    lanes = lanes or ChatLanes(ctx)

    @router.post(WEBHOOK_PATH)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), app.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        incoming = incoming_from_update(update) if update is not None else None
        if incoming is None:
            return Response(status_code=200)
        if update is not None and update.callback_query is not None:
            await _answer_callback(update)
        return Response(status_code=200 if await lanes.take(incoming) else 503)

    return router

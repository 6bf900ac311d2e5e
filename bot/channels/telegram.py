"""Telegram through python-telegram-bot: long polling by default, webhook with a secret token."""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import messages, service
from bot.context import BotHost
from bot.delivery import SendError
from bot.messages import Incoming, Outgoing

CHANNEL = "telegram"
PtbApp = Application[Any, Any, Any, Any, Any, Any]
MAX_TEXT = 4096
WEBHOOK_PATH = "/hooks/telegram"
log = logging.getLogger("doithoai.telegram")
# Sends run side by side; a small pool keeps httpcore's per-request bookkeeping (quadratic in
# the number of pooled connections) cheap, and 8 connections to one API host are plenty.
CONNECTION_POOL_SIZE = 8


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


def build_application(ctx: BotHost, token: str, base_url: str | None = None) -> PtbApp:
    # Polling is `poll` below, which confirms updates only once handled; no PTB Updater.
    builder = Application.builder().token(token).updater(None).connection_pool_size(CONNECTION_POOL_SIZE)
    if base_url:
        root = base_url.rstrip("/")
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    app = builder.build()

    async def on_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = incoming_from_update(update)
        if incoming is None:
            return
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError:
                log.debug("callback answer failed", exc_info=True)
        for out in await service.handle(ctx, incoming):
            await send_outgoing(app, incoming.chat_id, out)

    app.add_handler(TypeHandler(Update, on_update))
    return app


async def poll(app: PtbApp, stop: asyncio.Event, timeout: int = 10, window: int = 200) -> None:
    """Long polling that confirms an update (the next `offset`) only once it has been handled.

    PTB's own Updater confirms updates as soon as it fetches them, so a process killed with
    updates still in its queue would lose them; here they are fetched again after a restart,
    and the processed-updates table makes the second handling change nothing. Chats are
    handled side by side, each chat's updates in order.
    """
    offset = 0
    inflight: dict[int, asyncio.Task[None]] = {}
    tails: dict[int, asyncio.Task[None]] = {}
    while not stop.is_set():
        for uid in [u for u, t in inflight.items() if t.done()]:
            del inflight[uid]
        busy = len(inflight) >= window
        if not busy:
            try:
                # Raw JSON: updates still being handled come back until confirmed; only new ones are parsed.
                raw = await app.bot.do_api_request(
                    "getUpdates", api_kwargs={"offset": min(inflight, default=offset),
                                              "timeout": 0 if inflight else timeout,
                                              "allowed_updates": ["message", "callback_query"]},
                    read_timeout=timeout + 10)
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except TelegramError:
                log.warning("Telegram getUpdates failed; retrying", exc_info=True)
                await asyncio.sleep(2.0)
                continue
            updates = [Update.de_json(u, app.bot) for u in raw or [] if int(u.get("update_id", -1)) >= offset]
            fresh = [u for u in updates if u is not None]
            for update in fresh:
                chat = _chat_of(update)
                task = asyncio.create_task(_after(tails.get(chat), app, update))
                tails[chat] = task
                inflight[update.update_id] = task
                offset = update.update_id + 1
            if len(tails) > 10_000:
                tails = {c: t for c, t in tails.items() if not t.done()}
            if fresh:
                continue
        if inflight:
            await asyncio.wait(inflight.values(), timeout=0.05, return_when=asyncio.FIRST_COMPLETED)
            await asyncio.sleep(0.01)


async def _after(previous: asyncio.Task[None] | None, app: PtbApp, update: Update) -> None:
    if previous is not None:
        await asyncio.wait([previous])
    try:
        await app.process_update(update)
    except Exception:
        log.exception("update %s failed", update.update_id)


def _chat_of(update: Update) -> int:
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else 0


async def send_outgoing(app: PtbApp, chat_id: str, out: Outgoing) -> None:
    parts = chunks(out.text)
    for i, part in enumerate(parts):
        await _reply(app, int(chat_id), part, keyboard(out) if i == len(parts) - 1 else None)


async def _reply(app: PtbApp, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Send a conversation reply, again after a network error or a 429; logged if it still fails."""
    for attempt in range(4):
        try:
            await app.bot.send_message(chat_id, text, reply_markup=markup)
            return
        except RetryAfter as exc:
            await asyncio.sleep(_seconds(exc.retry_after))
        except NetworkError:
            await asyncio.sleep(0.2 * (attempt + 1))
        except Exception:  # noqa: BLE001 - one failed reply must not stop the others
            break
    log.warning("could not reply in chat %s", chat_id, exc_info=True)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends outbox rows; platform errors become SendError (429 keeps Telegram's retry_after)."""

    channel = CHANNEL

    def __init__(self, app: PtbApp, rate_per_second: float, rate_per_chat: float) -> None:
        self.app = app
        self.rate_per_second = rate_per_second
        self.rate_per_chat = rate_per_chat

    async def send(self, chat_id: str, text: str) -> None:
        try:
            for part in chunks(text):
                # Generous timeouts: a timed-out send may still have arrived, and is then sent again.
                await self.app.bot.send_message(int(chat_id), part, read_timeout=30, write_timeout=30)
        except RetryAfter as exc:
            raise SendError(f"Telegram 429: {exc}", retry_after=_seconds(exc.retry_after)) from exc
        except (Forbidden, BadRequest) as exc:
            raise SendError(f"Telegram từ chối: {exc}", permanent=True) from exc
        except NetworkError as exc:
            raise SendError(f"Lỗi mạng tới Telegram: {exc}") from exc
        except TelegramError as exc:
            raise SendError(f"Telegram: {exc}") from exc


def webhook_router(app: PtbApp, secret: str) -> APIRouter:
    """POST /hooks/telegram: refuses requests without the secret token set with setWebhook."""
    router = APIRouter()

    @router.post(WEBHOOK_PATH)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), app.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        await app.process_update(update)
        return Response(status_code=200)

    return router

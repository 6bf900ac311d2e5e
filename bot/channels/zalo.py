"""Zalo through the Zalo Bot Platform's Bot API over httpx: getUpdates polling or a webhook.

Zalo has no inline buttons here, so choices are numbered lines and the citizen types the number.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response

from bot import messages, service, texts
from bot.context import BotContext
from bot.delivery import SendError
from bot.messages import Incoming, Outgoing

CHANNEL = "zalo"
MAX_TEXT = 2000
WEBHOOK_PATH = "/hooks/zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
log = logging.getLogger("doithoai.zalo")


class ZaloError(Exception):
    def __init__(self, description: str, *, code: int | None = None, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.status = status
        self.retry_after = retry_after


class ZaloClient:
    """The Bot API methods used: getMe, getUpdates, setWebhook, deleteWebhook, sendMessage, sendChatAction."""

    def __init__(self, token: str, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.http = httpx.AsyncClient(base_url=f"{base_url.rstrip('/')}/bot{token}/", timeout=httpx.Timeout(40.0),
                                      transport=transport)

    async def call(self, method: str, payload: dict[str, Any] | None = None) -> Any:
        try:
            resp = await self.http.post(method, json=payload or {})
        except httpx.HTTPError as exc:
            raise ZaloError(f"{type(exc).__name__}: {exc}") from exc
        retry = resp.headers.get("Retry-After")
        try:
            body = resp.json()
        except ValueError:
            body = {"ok": False, "description": resp.text[:200]}
        if resp.status_code >= 400 or not body.get("ok", False):
            code = body.get("error_code") or resp.status_code
            raise ZaloError(str(body.get("description") or f"HTTP {resp.status_code}"), code=int(code),
                            status=resp.status_code, retry_after=float(retry) if retry else None)
        return body.get("result")

    async def get_me(self) -> Any:
        return await self.call("getMe")

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)})
        except ZaloError as exc:
            if exc.code == 408:  # no update within the long-polling timeout
                return []
            raise
        if result is None:
            return []
        return list(result) if isinstance(result, list) else [result]

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def aclose(self) -> None:
        await self.http.aclose()


def incoming_from_update(update: dict[str, Any]) -> Incoming | None:
    """A Zalo update (`event_name` + `message`) in channel-neutral form; None when unusable."""
    if "result" in update and "event_name" not in update:
        update = update.get("result") or {}
    msg = update.get("message")
    if not isinstance(msg, dict):
        return None
    user = str((msg.get("from") or {}).get("id") or "")
    chat = str((msg.get("chat") or {}).get("id") or user)
    if not user:
        return None
    uid = str(msg.get("message_id") or "") or None
    event = str(update.get("event_name", ""))
    if event == "message.text.received" or (not event and "text" in msg):
        return messages.text_incoming(CHANNEL, user, chat, str(msg.get("text") or ""), uid)
    if event == "message.image.received":
        return Incoming(CHANNEL, user, chat, kind=messages.PHOTO, text=str(msg.get("caption") or ""),
                        update_id=uid, file_ref=str(msg.get("photo_url") or msg.get("photo") or ""),
                        mime_type="image/jpeg")
    if event == "message.sticker.received":
        return Incoming(CHANNEL, user, chat, kind=messages.STICKER, update_id=uid)
    return Incoming(CHANNEL, user, chat, kind=messages.OTHER, update_id=uid)


def render(out: Outgoing) -> str:
    return messages.numbered_text(out, texts.NUMBERED_HINT)


def chunks(text: str, size: int = MAX_TEXT) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


async def send_outgoing(client: ZaloClient, chat_id: str, out: Outgoing) -> None:
    for part in chunks(render(out)):
        await client.send_message(chat_id, part)


async def answer(ctx: BotContext, client: ZaloClient, incoming: Incoming) -> None:
    """Show "typing", then store and handle the update; the replies go out through the outbox."""
    try:
        await client.send_chat_action(incoming.chat_id)
    except ZaloError:
        log.debug("sendChatAction failed", exc_info=True)
    await service.handle(ctx, incoming)


async def poll(ctx: BotContext, client: ZaloClient, stop: asyncio.Event, timeout: int = 30) -> None:
    """getUpdates in a loop until `stop`; network errors wait a little and try again."""
    while not stop.is_set():
        try:
            updates = await client.get_updates(timeout)
        except ZaloError:
            log.warning("Zalo getUpdates failed; retrying", exc_info=True)
            await asyncio.sleep(2.0)
            continue
        for update in updates:
            incoming = incoming_from_update(update)
            if incoming is None:
                continue
            # The platform hands an update out once: keep it here until the database takes it.
            while True:
                try:
                    await answer(ctx, client, incoming)
                    break
                except service.NotStored:
                    log.warning("could not store a Zalo update; trying again")
                    await asyncio.sleep(1.0)


def webhook_router(ctx: BotContext, client: ZaloClient, secret: str) -> APIRouter:
    """POST /hooks/zalo: requests without the secret token are refused and store nothing."""
    router = APIRouter()

    @router.post(WEBHOOK_PATH)
    async def zalo_webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            body = await request.json()
        except ValueError:
            return Response(status_code=400)
        incoming = incoming_from_update(body) if isinstance(body, dict) else None
        if incoming is not None:
            try:
                await answer(ctx, client, incoming)
            except service.NotStored:
                return Response(status_code=503)  # not stored: the platform delivers it again
        return Response(status_code=200)

    return router


class ZaloSender:
    channel = CHANNEL

    def __init__(self, client: ZaloClient, rate_per_second: float, rate_per_chat: float = 0.0) -> None:
        self.client = client
        self.rate_per_second = rate_per_second
        self.rate_per_chat = rate_per_chat

    async def send(self, chat_id: str, out: Outgoing) -> None:
        try:
            for part in chunks(render(out)):
                await self.client.send_message(chat_id, part)
        except ZaloError as exc:
            if exc.code == 429 or exc.status == 429:
                raise SendError(f"Zalo 429: {exc.description}", retry_after=exc.retry_after or 1.0) from exc
            permanent = exc.status is not None and 400 <= exc.status < 500
            raise SendError(f"Zalo: {exc.description}", permanent=permanent) from exc

"""Zalo through the Bot API: getUpdates polling or a webhook, replies, and the outbox sender.

Zalo bots have no inline buttons, so choices are numbered lines and the citizen types the number.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response

from bot import messages, service, texts
from bot.channels.zalo.bot_api import MAX_TEXT, SECRET_MAX, SECRET_MIN, ZaloClient, ZaloError
from bot.channels.zalo.updates import CHANNEL, incoming_from_update
from bot.channels.zalo.webhooks import json_body
from bot.context import BotHost
from bot.delivery import SendError
from bot.lanes import ChatLanes
from bot.messages import Incoming, Outgoing

WEBHOOK_PATH = "/hooks/zalo"
# The webhook request carries the secret given to setWebhook in this header (https://bot.zapps.me/docs/webhook/).
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
SEND_CONCURRENCY = 8
"""Sends to the Bot API inside the HTTP client at once."""

log = logging.getLogger("doithoai.zalo")


def config_problems(token: str | None, webhook_url: str | None, webhook_secret: str | None) -> list[str]:
    """What keeps the Zalo bot from starting, in Vietnamese and English; [] when the settings are usable."""
    if token is None:
        return []
    problems = []
    if ":" not in token:
        problems.append("DOITHOAI_ZALO_TOKEN không giống Bot Token của Zalo (dạng 12345689:abc-xyz) / "
                        "DOITHOAI_ZALO_TOKEN does not look like a Zalo Bot Token (12345689:abc-xyz).")
    if webhook_url and webhook_secret is None:
        problems.append("Có DOITHOAI_ZALO_WEBHOOK_URL thì phải có DOITHOAI_ZALO_WEBHOOK_SECRET / "
                        "DOITHOAI_ZALO_WEBHOOK_URL needs DOITHOAI_ZALO_WEBHOOK_SECRET.")
    if webhook_secret is not None and not SECRET_MIN <= len(webhook_secret) <= SECRET_MAX:
        problems.append(f"DOITHOAI_ZALO_WEBHOOK_SECRET phải dài {SECRET_MIN}–{SECRET_MAX} ký tự, đang có "
                        f"{len(webhook_secret)} / DOITHOAI_ZALO_WEBHOOK_SECRET must be {SECRET_MIN}-{SECRET_MAX} "
                        f"characters long, it has {len(webhook_secret)}.")
    if webhook_url and not webhook_url.startswith("https://"):
        problems.append("DOITHOAI_ZALO_WEBHOOK_URL phải là địa chỉ https:// / "
                        "DOITHOAI_ZALO_WEBHOOK_URL must be an https:// address.")
    return problems


def render(out: Outgoing) -> str:
    return messages.numbered_text(out, texts.NUMBERED_HINT)


def chunks(text: str, size: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `size` characters, cut at a line break where one is near; never an empty piece."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > size:
        cut = rest.rfind("\n", size // 2, size)
        cut = cut if cut > 0 else size
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def typing(client: ZaloClient) -> Callable[[service.Stored], Awaitable[None]]:
    """Show "typing" in the chat while its turn runs (sendChatAction)."""
    async def show(item: service.Stored) -> None:
        with contextlib.suppress(ZaloError):
            await client.send_chat_action(item.incoming.chat_id)
    return show


class _Backoff:
    """1, 2, 4 ... 30 s between failed polls; a failure is logged once, recovery once."""

    def __init__(self) -> None:
        self.failures = 0

    def failed(self, exc: ZaloError) -> float:
        self.failures += 1
        if self.failures == 1:
            hint = " (Bot Token sai hoặc đã bị thu hồi)" if exc.unauthorized else ""
            log.warning("Zalo getUpdates failed: %s (code %s)%s; retrying", exc.message, exc.code, hint)
        return min(30.0, 2.0 ** (self.failures - 1))

    def ok(self) -> None:
        if self.failures:
            log.info("Zalo getUpdates works again after %d failed polls", self.failures)
        self.failures = 0


async def poll(ctx: BotHost, client: ZaloClient, stop: asyncio.Event, timeout: int = 30, window: int = 500) -> None:
    """getUpdates in a loop until `stop`: each update is stored in the inbox before the next poll, then handled.

    Zalo hands an update out once and takes no acknowledgement (/docs/apis/getUpdates/ has no offset), so
    it is stored the moment it arrives: a process killed after that loses nothing (what was stored but
    not handled is resumed at the next start). Chats are handled side by side, each chat in order.
    Errors wait longer each time and never end the loop.
    """
    backoff = _Backoff()
    lanes = ChatLanes(ctx, window=window, before=typing(client))
    while not stop.is_set():
        await lanes.room()
        try:
            updates = await client.get_updates(timeout)
        except ZaloError as exc:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff.failed(exc))
            continue
        backoff.ok()
        incoming = [i for i in map(incoming_from_update, updates) if i is not None]
        if incoming:
            lanes.add_new(await _store(ctx, incoming))
    await lanes.drain()


async def _store(ctx: BotHost, incoming: list[Incoming]) -> list[service.Stored]:
    """Store fetched updates, however long the database takes: the platform will not hand them out again."""
    for attempt in itertools.count():
        try:
            return await asyncio.to_thread(service.store, ctx, incoming)
        except service.NotStored:
            if attempt == 0:
                log.warning("could not store %d Zalo updates; trying again until the database takes them",
                            len(incoming))
            await asyncio.sleep(min(5.0, 0.5 * (attempt + 1)))
    raise AssertionError("unreachable")


async def start_polling(ctx: BotHost, client: ZaloClient, stop: asyncio.Event) -> asyncio.Task[None]:
    """getUpdates does not work while a webhook is set (/docs/apis/getUpdates/): remove it first."""
    try:
        await client.delete_webhook()
    except ZaloError as exc:
        log.warning("Zalo deleteWebhook failed: %s (code %s); polling anyway", exc.message, exc.code)
    return asyncio.create_task(poll(ctx, client, stop))


async def start_webhook(client: ZaloClient, url: str, secret: str) -> None:
    """Register `url` + WEBHOOK_PATH; a failure is logged, the web server still answers the webhook."""
    try:
        await client.set_webhook(f"{url.rstrip('/')}{WEBHOOK_PATH}", secret)
    except ZaloError as exc:
        log.error("Zalo setWebhook failed: %s (code %s)", exc.message, exc.code)


def webhook_router(ctx: BotHost, client: ZaloClient, secret: str, lanes: ChatLanes | None = None) -> APIRouter:
    """POST /hooks/zalo: requests without the secret token are refused and store nothing.

    The answer 200 comes once the update is stored, before its turn runs (in `lanes`); 503 when it
    could not be stored, so that the platform delivers it again.
    """
    router = APIRouter()
    lanes = lanes or ChatLanes(ctx, before=typing(client))

    @router.post(WEBHOOK_PATH)
    async def zalo_webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        parsed = await json_body(request)
        if isinstance(parsed, Response):
            return parsed
        return Response(status_code=200 if await lanes.take(incoming_from_update(parsed[1])) else 503)

    return router


class ZaloSender:
    """Sends outbox rows; Zalo errors become SendError with a reason the organiser can read."""

    channel = CHANNEL

    def __init__(self, client: ZaloClient, rate_per_second: float, rate_per_chat: float = 0.0) -> None:
        self.client = client
        self.rate_per_second = rate_per_second
        self.rate_per_chat = rate_per_chat
        # As for Telegram: a few sends inside httpx at once, the rest wait here, not in its pool.
        self._slots = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(self, chat_id: str, out: Outgoing) -> None:
        text = render(out)
        try:
            async with self._slots:
                for part in chunks(text):
                    await self.client.send_message(chat_id, part)
        except ZaloError as exc:
            detail = f"{exc.message} (mã {exc.code})"
            if exc.too_many_requests:
                raise SendError(f"Zalo báo gửi quá nhanh, sẽ gửi lại: {detail}",
                                retry_after=exc.retry_after or 1.0) from exc
            if exc.unauthorized:
                raise SendError(f"Bot Token Zalo sai hoặc đã bị thu hồi: {detail}") from exc
            if exc.permanent:
                raise SendError(f"Zalo từ chối tin nhắn: {detail}", permanent=True) from exc
            raise SendError(f"Chưa gửi được qua Zalo, sẽ thử lại: {detail}") from exc

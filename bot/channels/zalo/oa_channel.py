"""Zalo Official Account channel: signed webhook in, consultation messages out, tokens kept fresh.

A follower writes to the OA; Zalo posts the event to /hooks/zalo-oa; the bot answers with
consultation messages ("tin tư vấn"), which Zalo allows only within 7 days of the follower's last
interaction. Outside that window a reply fails for good with a reason the organiser can read: the
citizen still finds the answer by the question's code on the web chat.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response

from bot import messages, texts
from bot.channels.zalo.bot_channel import chunks
from bot.channels.zalo.oa_api import MAX_TEXT, RATE_ERRORS, RECIPIENT_ERRORS, WINDOW_ERRORS, OaClient, OaError
from bot.channels.zalo.oa_events import CHANNEL as CHANNEL
from bot.channels.zalo.oa_events import SIGNATURE_HEADER, incoming_from_event, signed
from bot.channels.zalo.webhooks import json_body
from bot.context import BotHost
from bot.delivery import SendError
from bot.lanes import ChatLanes
from bot.messages import Outgoing
from storage.actions import zalo_tokens
from storage.clock import utcnow

WEBHOOK_PATH = "/hooks/zalo-oa"
# Older documentation gives access tokens 1 hour, newer 25 hours: a configured one is trusted for the shorter.
SEEDED_LIFETIME = timedelta(hours=1)
REFRESH_MARGIN = timedelta(minutes=5)
WEB_CHAT_HINT = "Người dân vẫn xem được câu trả lời bằng mã câu hỏi trên web chat."
log = logging.getLogger("doithoai.zalo_oa")


@dataclass(frozen=True)
class OaConfig:
    app_id: str
    app_secret: str
    oa_secret_key: str


class TokenKeeper:
    """The current access token, refreshed before it expires or when Zalo refuses it.

    Tokens live in the database (rotated at each refresh, never logged); one refresh at a time here,
    and `zalo_tokens.do_rotate` keeps the winner's pair when two processes refresh together.
    """

    def __init__(self, ctx: BotHost, client: OaClient, config: OaConfig) -> None:
        self.ctx, self.client, self.config = ctx, client, config
        self._lock = asyncio.Lock()
        self._failing = False

    def seed(self, refresh_token: str, access_token: str | None) -> None:
        expires = utcnow() + SEEDED_LIFETIME if access_token else utcnow()
        with self.ctx.transaction() as session:
            zalo_tokens.do_seed(session, self.config.app_id, access_token=access_token or "",
                                refresh_token=refresh_token, expires_at=expires)

    def _read(self) -> tuple[str, str, datetime] | None:
        with self.ctx.transaction() as session:
            row = zalo_tokens.current(session, self.config.app_id)
            return None if row is None else (row.access_token, row.refresh_token, row.expires_at)

    async def access_token(self) -> str:
        row = await asyncio.to_thread(self._read)
        if row is None:
            raise OaError("chưa có token của OA (DOITHOAI_ZALO_OA_REFRESH_TOKEN)")
        access, _, expires = row
        if access and expires - utcnow() > REFRESH_MARGIN:
            return access
        return await self.refresh(access)

    async def refresh(self, stale_access: str) -> str:
        async with self._lock:
            row = await asyncio.to_thread(self._read)
            if row is None:
                raise OaError("chưa có token của OA (DOITHOAI_ZALO_OA_REFRESH_TOKEN)")
            access, spent, expires = row
            if access and access != stale_access and expires - utcnow() > REFRESH_MARGIN:
                return access  # refreshed meanwhile
            try:
                tokens = await self.client.refresh(self.config.app_id, self.config.app_secret, spent)
            except OaError as exc:
                again = await asyncio.to_thread(self._read)
                if again is not None and again[1] != spent:  # another process refreshed with this token
                    return again[0]
                if not self._failing:
                    log.error("Zalo OA token refresh failed: %s (code %s); the OA must be authorised again",
                              exc.message, exc.code)
                self._failing = True
                raise
            until = utcnow() + timedelta(seconds=tokens.expires_in)
            stored = await asyncio.to_thread(self._rotate, spent, tokens.access_token, tokens.refresh_token, until)
            self._failing = False
            if not stored:
                again = await asyncio.to_thread(self._read)
                return again[0] if again else tokens.access_token
            log.info("Zalo OA tokens refreshed, valid until %s", until.isoformat(timespec="minutes"))
            return tokens.access_token

    def _rotate(self, spent: str, access: str, refresh: str, until: datetime) -> bool:
        with self.ctx.transaction() as session:
            return zalo_tokens.do_rotate(session, self.config.app_id, spent_refresh_token=spent,
                                         access_token=access, refresh_token=refresh, expires_at=until)


def _send_error(exc: OaError) -> SendError:
    """Zalo's answer as the outbox's outcome, with a Vietnamese reason for the organiser."""
    detail = f"{exc.message} (mã {exc.code})" if exc.code is not None else exc.message
    if exc.code in WINDOW_ERRORS:
        return SendError(f"Zalo OA không cho gửi: {WINDOW_ERRORS[exc.code]} ({detail}). Zalo chỉ cho OA gửi tin "
                         f"tư vấn trong 7 ngày kể từ lần cuối người dân nhắn OA. {WEB_CHAT_HINT}", permanent=True)
    if exc.code in RECIPIENT_ERRORS:
        return SendError(f"Zalo OA không gửi được: {RECIPIENT_ERRORS[exc.code]} ({detail}). {WEB_CHAT_HINT}",
                         permanent=True)
    if exc.code in RATE_ERRORS:
        return SendError(f"Zalo OA báo vượt giới hạn gửi, sẽ gửi lại sau: {detail}", retry_after=RATE_ERRORS[exc.code])
    if exc.status == 429:
        return SendError(f"Zalo OA báo gửi quá nhanh, sẽ gửi lại sau: {detail}", retry_after=60.0)
    if exc.token_expired:
        return SendError(f"Mã truy cập Zalo OA bị từ chối và chưa làm mới được, sẽ thử lại: {detail}")
    return SendError(f"Chưa gửi được qua Zalo OA, sẽ thử lại: {detail}")


class OaSender:
    """Sends outbox rows and conversation replies as consultation messages."""

    channel = CHANNEL

    def __init__(self, client: OaClient, keeper: TokenKeeper, rate_per_second: float, rate_per_chat: float = 0.0):
        self.client, self.keeper = client, keeper
        self.rate_per_second = rate_per_second
        self.rate_per_chat = rate_per_chat

    async def _part(self, user_id: str, text: str) -> None:
        token = await self.keeper.access_token()
        try:
            await self.client.send_text(token, user_id, text)
        except OaError as exc:
            if not exc.token_expired:
                raise
            await self.client.send_text(await self.keeper.refresh(token), user_id, text)

    async def send(self, chat_id: str, out: Outgoing) -> None:
        try:
            for part in chunks(render(out), MAX_TEXT):
                await self._part(chat_id, part)
        except OaError as exc:
            raise _send_error(exc) from exc


def render(out: Outgoing) -> str:
    return messages.numbered_text(out, texts.NUMBERED_HINT)


def webhook_router(config: OaConfig, lanes: ChatLanes) -> APIRouter:
    """POST /hooks/zalo-oa: an event without Zalo's valid signature is refused and stores nothing.

    A signed event is stored and answered 200 at once; its turn runs after, in `lanes`, and the
    replies go out through the outbox (OaSender).
    """
    router = APIRouter()

    @router.post(WEBHOOK_PATH)
    async def zalo_oa_webhook(request: Request) -> Response:
        parsed = await json_body(request)
        if isinstance(parsed, Response):
            return parsed
        raw, body = parsed
        if not isinstance(body, dict) or not signed(raw, body, request.headers.get(SIGNATURE_HEADER, ""),
                                                    config.app_id, config.oa_secret_key):
            return Response(status_code=403)
        return Response(status_code=200 if await lanes.take(incoming_from_event(body)) else 503)

    return router


def config_problems(app_id: str | None, app_secret: str | None, oa_secret_key: str | None,
                    refresh_token: str | None) -> list[str]:
    """What keeps the OA channel from starting, in Vietnamese and English; [] when usable or not enabled."""
    given = {"DOITHOAI_ZALO_OA_APP_ID": app_id, "DOITHOAI_ZALO_OA_APP_SECRET": app_secret,
             "DOITHOAI_ZALO_OA_SECRET_KEY": oa_secret_key, "DOITHOAI_ZALO_OA_REFRESH_TOKEN": refresh_token}
    missing = [name for name, value in given.items() if not value]
    if len(missing) == len(given) or not missing:
        return []
    names = ", ".join(missing)
    return [f"Kênh Zalo OA cần đủ bốn thiết lập, còn thiếu: {names} / "
            f"the Zalo OA channel needs all four settings, missing: {names}."]


@dataclass
class OaChannel:
    """The OA channel's parts, built from settings; `router` serves the webhook."""

    client: OaClient
    keeper: TokenKeeper
    sender: OaSender
    router: APIRouter
    lanes: ChatLanes

    @classmethod
    def from_settings(cls, ctx: BotHost) -> OaChannel | None:
        s = ctx.settings
        app_secret, oa_secret = s.zalo_oa_app_secret, s.zalo_oa_secret_key
        if not s.zalo_oa_app_id or app_secret is None or oa_secret is None or s.zalo_oa_refresh_token is None:
            return None
        config = OaConfig(s.zalo_oa_app_id, app_secret.get_secret_value(), oa_secret.get_secret_value())
        client = OaClient(s.zalo_oa_api_url, s.zalo_oa_oauth_url)
        keeper = TokenKeeper(ctx, client, config)
        sender = OaSender(client, keeper, s.zalo_oa_rate_per_second)
        lanes = ChatLanes(ctx)
        return cls(client, keeper, sender, webhook_router(config, lanes), lanes)

    async def start(self) -> None:
        """Store the configured tokens unless the database holds newer ones descending from them."""
        s = self.keeper.ctx.settings
        refresh = s.zalo_oa_refresh_token.get_secret_value() if s.zalo_oa_refresh_token else ""
        access = s.zalo_oa_access_token.get_secret_value() if s.zalo_oa_access_token else None
        await asyncio.to_thread(self.keeper.seed, refresh, access)
        log.info("Zalo OA channel started (webhook %s)", WEBHOOK_PATH)

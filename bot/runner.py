"""Start and stop the enabled channels and the outbox worker inside one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import APIRouter

from bot import joiner, service
from bot.channels import email, telegram, zalo
from bot.channels.zalo import oa_channel
from bot.context import BotHost
from bot.delivery import DeliveryWorker, Sender

log = logging.getLogger("doithoai.bot")


@dataclass
class Channels:
    """The channels configured by settings; `routers` are the webhook endpoints the web server must serve."""

    ctx: BotHost
    telegram_app: telegram.PtbApp | None = None
    zalo_client: zalo.ZaloClient | None = None
    zalo_oa: oa_channel.OaChannel | None = None
    routers: list[APIRouter] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    worker: DeliveryWorker | None = None

    @classmethod
    def from_settings(cls, ctx: BotHost) -> Channels:
        s = ctx.settings
        chans = cls(ctx)
        if s.telegram_token is not None:
            chans.telegram_app = telegram.build_application(s.telegram_token.get_secret_value(),
                                                            s.telegram_base_url)
            if s.telegram_webhook_url and s.telegram_webhook_secret is not None:
                chans.routers.append(telegram.webhook_router(ctx, chans.telegram_app,
                                                             s.telegram_webhook_secret.get_secret_value()))
        if s.zalo_token is not None:
            chans.zalo_client = zalo.ZaloClient(s.zalo_token.get_secret_value(), s.zalo_base_url)
            if s.zalo_webhook_url and s.zalo_webhook_secret is not None:
                chans.routers.append(zalo.webhook_router(ctx, chans.zalo_client,
                                                         s.zalo_webhook_secret.get_secret_value()))
        chans.zalo_oa = oa_channel.OaChannel.from_settings(ctx)
        if chans.zalo_oa is not None:
            chans.routers.append(chans.zalo_oa.router)
        return chans

    def senders(self) -> dict[str, Sender]:
        s = self.ctx.settings
        out: dict[str, Sender] = {}
        if self.telegram_app is not None:
            out["telegram"] = telegram.TelegramSender(self.telegram_app, s.telegram_rate_per_second,
                                                      s.telegram_rate_per_chat)
        if self.zalo_client is not None:
            out["zalo"] = zalo.ZaloSender(self.zalo_client, s.zalo_rate_per_second)
        if self.zalo_oa is not None:
            out[oa_channel.CHANNEL] = self.zalo_oa.sender
        if s.smtp_url is not None:
            config = email.SmtpConfig.from_url(s.smtp_url.get_secret_value())
            out["email"] = email.EmailSender(config, s.mail_from, s.email_rate_per_second, console_url=s.public_url)
        return out

    async def open(self) -> None:
        if self.telegram_app is not None:
            await self.telegram_app.initialize()
        if self.zalo_oa is not None:
            await self.zalo_oa.start()

    async def start_bots(self, stop: asyncio.Event) -> None:
        """Polling, or registering the webhook, for each enabled channel.

        The analyzer is loaded first; updates stored by an earlier run but never handled are handled
        next, in order.
        """
        s = self.ctx.settings
        await asyncio.to_thread(service.warm_up, self.ctx)
        self.start_delivery(stop)
        handled = await service.resume(self.ctx)
        if handled:
            log.info("handled %d stored updates left by the previous run", handled)
        if self.telegram_app is None and self.zalo_client is None and self.zalo_oa is None:
            log.warning("no bot token set (DOITHOAI_TELEGRAM_TOKEN, DOITHOAI_ZALO_TOKEN, DOITHOAI_ZALO_OA_APP_ID):"
                        " only the web chat answers")
        if self.telegram_app is not None:
            app = self.telegram_app
            await app.start()
            if s.telegram_webhook_url and s.telegram_webhook_secret is not None:
                await app.bot.set_webhook(f"{s.telegram_webhook_url.rstrip('/')}{telegram.WEBHOOK_PATH}",
                                          secret_token=s.telegram_webhook_secret.get_secret_value())
            else:
                await app.bot.delete_webhook()
                self.tasks.append(asyncio.create_task(telegram.poll(self.ctx, app, stop)))
            log.info("Telegram bot started")
        if self.zalo_client is not None:
            if s.zalo_webhook_url and s.zalo_webhook_secret is not None:
                await zalo.start_webhook(self.zalo_client, s.zalo_webhook_url, s.zalo_webhook_secret.get_secret_value())
            else:
                self.tasks.append(await zalo.start_polling(self.ctx, self.zalo_client, stop))
            log.info("Zalo bot started")

    def start_delivery(self, stop: asyncio.Event) -> None:
        """The outbox worker of this process: the bots hand it their replies, and it claims due rows."""
        if self.worker is None:
            self.worker = DeliveryWorker(self.ctx, self.senders())
            self.worker.attach()
            self.tasks.append(asyncio.create_task(self.worker.run(stop)))

    def start_worker(self, stop: asyncio.Event) -> None:
        self.start_delivery(stop)
        self.tasks.append(asyncio.create_task(_resume_loop(self.ctx, stop)))
        if self.ctx.settings.question_join_seconds > 0:
            self.tasks.append(asyncio.create_task(joiner.run(self.ctx, stop)))

    async def close(self) -> None:
        if self.worker is not None:
            self.worker.detach()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.telegram_app is not None:
            app = self.telegram_app
            if app.running:
                await app.stop()
            await app.shutdown()
        if self.zalo_client is not None:
            await self.zalo_client.aclose()
        if self.zalo_oa is not None:
            await self.zalo_oa.client.aclose()


# A stored update older than this that nobody handles was left by a process that died.
LEFT_OVER_AFTER = timedelta(seconds=60)


async def _resume_loop(ctx: BotHost, stop: asyncio.Event) -> None:
    """Now and then, handle updates another process stored but never handled."""
    while not stop.is_set():
        try:
            handled = await service.resume(ctx, older_than=LEFT_OVER_AFTER)
            if handled:
                log.info("handled %d stored updates left by another process", handled)
        except Exception:
            log.warning("resuming stored updates failed; trying again", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=LEFT_OVER_AFTER.total_seconds() / 2)

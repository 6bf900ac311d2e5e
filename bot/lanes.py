"""Stored updates handled in the background: chats side by side, each chat's updates in order.

Polling loops and webhooks store an update first (so a crash loses nothing) and hand the turn to
`ChatLanes`; a webhook can then answer its platform at once instead of after the turn. A turn that
fails, or is cancelled at shutdown, stays pending in the inbox and `service.resume` runs it later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot import service
from bot.context import BotHost
from bot.messages import Incoming

log = logging.getLogger("doithoai.bot")
Before = Callable[[service.Stored], Awaitable[None]]


class ChatLanes:
    def __init__(self, ctx: BotHost, *, window: int = 500, before: Before | None = None) -> None:
        self.ctx = ctx
        self.window = window
        self.before = before  # e.g. show "typing" while the turn runs
        self._inflight: set[asyncio.Task[None]] = set()
        self._tails: dict[str, asyncio.Task[None]] = {}

    def add(self, item: service.Stored) -> None:
        """Handle `item` after the chat's earlier updates; returns at once."""
        chat = str(item.incoming.chat_id)
        task = asyncio.create_task(self._run(self._tails.get(chat), item))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        self._tails[chat] = task
        if len(self._tails) > 10_000:
            self._tails = {c: t for c, t in self._tails.items() if not t.done()}

    def add_new(self, items: list[service.Stored]) -> None:
        """Only what was stored for the first time: a delivery seen before is handled, or resumed, already."""
        for item in items:
            if item.new:
                self.add(item)

    async def take(self, incoming: Incoming | None) -> bool:
        """A webhook's update: stored, its turn handed on; False when it could not be stored.

        A webhook answers 200 on True (a platform that waited for the turn and the reply could time
        out and deliver the update again) and 503 on False, so that the platform delivers it again.
        """
        if incoming is None:
            return True  # an update the bot does not handle
        try:
            stored = await asyncio.to_thread(service.store, self.ctx, [incoming])
        except service.NotStored:
            return False
        self.add_new(stored)
        return True

    async def room(self) -> None:
        """Wait while `window` turns are in flight (a poller's back-pressure)."""
        while len(self._inflight) >= self.window:
            await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)

    async def drain(self) -> None:
        """Wait for every turn handed so far."""
        while self._inflight:
            await asyncio.wait(set(self._inflight))

    async def _run(self, previous: asyncio.Task[None] | None, item: service.Stored) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        if self.before is not None:
            try:
                await self.before(item)
            except Exception:  # a courtesy such as "typing": the turn runs regardless
                log.debug("before-turn call failed", exc_info=True)
        try:
            await service.handle_stored(self.ctx, item)
        except Exception:
            log.exception("stored update %s (%s) could not be handled; it is resumed later",
                          item.inbound_id, item.incoming.channel)

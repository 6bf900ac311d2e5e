"""A question split over several messages, sent by itself after a quiet period.

With DOITHOAI_QUESTION_JOIN_SECONDS > 0 the pieces are not acknowledged one by one; once the
citizen has been quiet that long, the draft goes on as if they had pressed «Gửi». The state is
in the database, so whichever worker runs this picks up every citizen's draft.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from bot import messages, service
from bot.context import BotHost
from bot.flow import states
from bot.messages import Incoming
from storage import queries
from storage.clock import utcnow

log = logging.getLogger("doithoai.bot")


def due(ctx: BotHost, seconds: float, now: datetime | None = None) -> list[Incoming]:
    """A «Gửi» for each draft untouched for `seconds` at `now`; the update id makes it happen once per draft."""
    now = now or utcnow()
    with ctx.transaction() as session:
        rows = queries.conversations_in_state(session, states.ASKING_QUESTION, now - timedelta(seconds=seconds))
        found = []
        for conv, citizen in rows:
            draft_at = (conv.data or {}).get("draft_at")
            if not (conv.data or {}).get("draft") or draft_at is None:
                continue
            found.append(Incoming(citizen.channel, citizen.channel_user_id, citizen.chat_id, kind=messages.BUTTON,
                                  data="send", update_id=f"join:{citizen.id}:{int(float(draft_at) * 1000)}"))
        return found


async def flush_once(ctx: BotHost, seconds: float, now: datetime | None = None) -> int:
    """Send each quiet draft; the replies go out through the outbox like every other reply."""
    handled = 0
    for incoming in await asyncio.to_thread(due, ctx, seconds, now):
        await service.handle(ctx, incoming)
        handled += 1
    return handled


async def run(ctx: BotHost, stop: asyncio.Event) -> None:
    seconds = ctx.settings.question_join_seconds
    while not stop.is_set():
        try:
            await flush_once(ctx, seconds)
        except Exception:
            log.warning("joining quiet drafts failed; trying again", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=max(0.2, min(1.0, seconds / 2)))

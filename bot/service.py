"""Handle one incoming message in one transaction: idempotent per update, never a traceback."""

from __future__ import annotations

import asyncio
import logging

from bot import texts
from bot.context import BotHost
from bot.flow import handlers, states
from bot.flow.turn import Turn
from bot.messages import Incoming, Outgoing
from bot.retry import BUSY, retrying
from storage.actions import citizens, conversations
from storage.db import is_postgres
from telemetry.metrics import MESSAGES

log = logging.getLogger("doithoai.bot")


def process(ctx: BotHost, incoming: Incoming) -> list[Outgoing]:
    """The replies to `incoming`; a redelivered update gets the replies it got the first time.

    A busy database is tried again a few times before the citizen is asked to send later.
    """
    sqlite = not is_postgres(ctx.settings.database_url)
    MESSAGES.labels(incoming.channel).inc()
    try:
        return retrying(lambda: _turn(ctx, incoming), sqlite=sqlite)
    except BUSY:
        log.warning("database unavailable while handling a %s message", incoming.channel)
        return [Outgoing(texts.BUSY)]
    except Exception:
        log.exception("failed to handle a %s message", incoming.channel)
        return [Outgoing(texts.ERROR)]


def _turn(ctx: BotHost, incoming: Incoming) -> list[Outgoing]:
    with ctx.transaction() as session:
        if incoming.update_id is not None:
            stored = conversations.processed_response(session, incoming.channel, incoming.update_id)
            if stored is not None:
                return [Outgoing.from_dict(d) for d in stored]
        citizen = citizens.get_or_create_citizen(
            session, channel=incoming.channel, channel_user_id=incoming.user_id, chat_id=incoming.chat_id
        )
        conv = conversations.load_conversation(session, citizen.id, states.START)
        turn = Turn(session=session, settings=ctx.settings, analyzer=ctx.analyzer, citizen=citizen,
                    incoming=incoming, data=dict(conv.data or {}))
        new_state = handlers.handle(turn, conv.state)
        conversations.save_conversation(session, conv, new_state, turn.data)
        if incoming.update_id is not None:
            conversations.mark_processed(session, incoming.channel, incoming.update_id,
                                         [r.as_dict() for r in turn.replies])
        return turn.replies


async def handle(ctx: BotHost, incoming: Incoming) -> list[Outgoing]:
    """`process` off the event loop: the database calls block."""
    return await asyncio.to_thread(process, ctx, incoming)

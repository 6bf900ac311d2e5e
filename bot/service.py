"""The one entry for every channel: store an update, handle it once, reply through the outbox.

1. `store` writes each fetched update to the inbox in its own short transaction, before anything
   else happens, so a crash between fetch and handling loses nothing (`resume` handles what a
   dead process left).
2. `process_stored` runs the conversation turn in one transaction that first claims the stored
   update (a second delivery of it waits, then finds it handled and gets the same replies), and
   writes every reply as an outbox row in that same transaction.
3. The replies are handed to this process's delivery worker, already claimed for it, so they
   leave at once, with the worker's retries, 429 handling and rate limits.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from bot import texts
from bot.context import BotHost
from bot.delivery import DeliveryWorker, Job, local_worker
from bot.flow import handlers, states
from bot.flow.turn import Turn
from bot.messages import Incoming, Outgoing
from bot.retry import BUSY, retrying
from storage import queue
from storage.actions import citizens, conversations, delivery, inbox, outbox
from storage.clock import utcnow
from storage.db import is_postgres
from storage.models import Citizen
from telemetry.metrics import MESSAGES

log = logging.getLogger("doithoai.bot")
REPLY_WAIT_SECONDS = 10.0
# Updates being handled in this process right now: `resume` leaves them alone.
_in_hand: set[int] = set()
# Turns run on threads of their own, beside the event loop. SQLite takes one writer at a time:
# its turns run one after another on one thread, instead of threads that each wait for the writer
# and hand it over to the next. On PostgreSQL two threads let one turn compute while the other
# waits for the server; more only contend for the interpreter (measured with 2, 3 and 6).
_sqlite_turns = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-turns")
_turns = ThreadPoolExecutor(max_workers=2, thread_name_prefix="turns")


class NotStored(Exception):
    """The update could not be stored (the database is unavailable): the channel should deliver it again."""


@dataclass(frozen=True)
class Stored:
    inbound_id: int
    incoming: Incoming
    new: bool


@dataclass
class Result:
    replies: list[Outgoing]
    jobs: list[Job] = field(default_factory=list)
    claimed_at: float = 0.0
    # Replies written but not handed over (they wait behind an older message to the chat).
    queued: bool = False


def _sqlite(ctx: BotHost) -> bool:
    return not is_postgres(ctx.settings.database_url)


def warm_up(ctx: BotHost) -> None:
    """Load the classifier and the similarity weights now, so the first citizen does not wait for them."""
    ctx.analyzer.analyze("Đường vào ấp bị hư")
    ctx.analyzer.find_similar("Đường vào ấp bị hư", [(0, "Đường ấp hư nặng")])


def to_payload(incoming: Incoming) -> dict[str, Any]:
    return asdict(incoming)


def from_payload(payload: dict[str, Any]) -> Incoming:
    return Incoming(**payload)


def store(ctx: BotHost, updates: list[Incoming]) -> list[Stored]:
    """Write updates to the inbox in one transaction; an update without an id gets a fresh one."""
    ready = [u if u.update_id else Incoming(**{**asdict(u), "update_id": f"local:{uuid.uuid4().hex}"})
             for u in updates]

    rows = [inbox.NewUpdate(u.channel, str(u.update_id), u.user_id, u.chat_id, to_payload(u)) for u in ready]

    def once() -> list[Stored]:
        with ctx.transaction() as session:
            return [Stored(row_id, u, new) for u, (row_id, new) in zip(ready, inbox.store(session, rows), strict=True)]

    try:
        stored = retrying(once, sqlite=_sqlite(ctx))
    except BUSY as exc:
        raise NotStored(str(exc)) from exc
    for item in stored:
        if item.new:
            MESSAGES.labels(item.incoming.channel).inc()
    return stored


def process_stored(ctx: BotHost, item: Stored, *, answered_inline: bool = False) -> Result:
    """Run the turn for a stored update, once; a busy database is tried again a few times."""
    worker = local_worker(ctx)
    try:
        return retrying(lambda: _turn(ctx, item, answered_inline, worker), sqlite=_sqlite(ctx))
    except BUSY:
        log.warning("database unavailable while handling a %s message; it stays stored", item.incoming.channel)
        return Result([Outgoing(texts.BUSY)])
    except Exception:
        log.exception("failed to handle a %s message", item.incoming.channel)
    try:
        return retrying(lambda: _failed_turn(ctx, item, answered_inline, worker), sqlite=_sqlite(ctx))
    except Exception:
        log.exception("could not record a failed %s message", item.incoming.channel)
        return Result([Outgoing(texts.ERROR)])


def _turn(ctx: BotHost, item: Stored, inline: bool, worker: DeliveryWorker | None) -> Result:
    incoming = item.incoming
    started = time.monotonic()
    with ctx.transaction() as session:
        if not inbox.claim(session, item.inbound_id):
            return Result([Job.of(r).out for r in inbox.replies_to(session, item.inbound_id)])
        citizen = citizens.get_or_create_citizen(
            session, channel=incoming.channel, channel_user_id=incoming.user_id, chat_id=incoming.chat_id
        )
        conv = conversations.load_conversation(session, citizen.id, states.START)
        turn = Turn(session=session, settings=ctx.settings, analyzer=ctx.analyzer, citizen=citizen,
                    incoming=incoming, data=dict(conv.data or {}))
        new_state = handlers.handle(turn, conv.state)
        conversations.save_conversation(session, conv, new_state, turn.data)
        jobs, queued = _enqueue(session, item, citizen, turn.replies, inline, worker)
        return Result(turn.replies, jobs, started, queued)


def _failed_turn(ctx: BotHost, item: Stored, inline: bool, worker: DeliveryWorker | None) -> Result:
    """The turn hit a bug: the update is not tried again, and the citizen is told so."""
    started = time.monotonic()
    replies = [Outgoing(texts.ERROR)]
    with ctx.transaction() as session:
        if not inbox.claim(session, item.inbound_id, outcome=inbox.FAILED):
            return Result([Job.of(r).out for r in inbox.replies_to(session, item.inbound_id)])
        citizen = citizens.get_or_create_citizen(session, channel=item.incoming.channel,
                                                 channel_user_id=item.incoming.user_id,
                                                 chat_id=item.incoming.chat_id)
        jobs, queued = _enqueue(session, item, citizen, replies, inline, worker)
        return Result(replies, jobs, started, queued)


def _enqueue(session: Session, item: Stored, citizen: Citizen, replies: list[Outgoing], inline: bool,
             worker: DeliveryWorker | None) -> tuple[list[Job], bool]:
    """Every reply becomes an outbox row; claimed for this process's worker when it can send it now.

    The jobs handed over, and whether rows for a worker of this process were left in the outbox.
    """
    channel, chat_id = item.incoming.channel, item.incoming.chat_id
    ours = not inline and worker is not None and channel in worker.senders
    hand = ours and worker is not None and not queue.chat_has_pending(session, channel, chat_id,
                                                                      besides=worker.worker_id)
    rows = outbox.enqueue_replies(
        session, inbound_id=item.inbound_id, channel=channel, chat_id=chat_id, citizen_id=citizen.id,
        replies=[(out.text, out.as_dict()["buttons"]) for out in replies],
        hold_for=worker.worker_id if hand and worker is not None else None,
        lease=worker.lease if worker is not None else delivery.LEASE, delivered=inline)
    return ([Job.of(r) for r in rows] if hand else []), bool(rows) and ours and not hand


async def handle_stored(ctx: BotHost, item: Stored, *, answered_inline: bool = False,
                        wait_sent: bool = False) -> list[Outgoing]:
    """`process_stored` off the event loop, then the replies handed to this process's worker.

    With `wait_sent` it returns once the replies left (or a while has passed: a paused channel
    keeps them in the outbox), their delivery recorded: a webhook then answers its platform after
    the reply, as it would have without the outbox.
    """
    _in_hand.add(item.inbound_id)
    try:
        result = await asyncio.get_running_loop().run_in_executor(
            _sqlite_turns if _sqlite(ctx) else _turns,
            partial(process_stored, ctx, item, answered_inline=answered_inline))
    finally:
        _in_hand.discard(item.inbound_id)
    worker = local_worker(ctx)
    if result.jobs and worker is not None:
        sending = worker.hand(result.jobs, claimed_at=result.claimed_at)
        if wait_sent:
            await asyncio.wait(sending, timeout=REPLY_WAIT_SECONDS)
            await worker.flush()
    elif result.queued and worker is not None:
        worker.nudge()
    return result.replies


async def handle(ctx: BotHost, incoming: Incoming, *, answered_inline: bool = False) -> list[Outgoing]:
    """Store, then handle, one update from any channel; the replies go out through the outbox.

    With `answered_inline` (the web chat) the caller shows the replies in its response; otherwise
    they are only returned for information. Raises NotStored when the update could not be stored,
    except inline, where the citizen is asked to send again.
    """
    try:
        (item,) = await asyncio.to_thread(store, ctx, [incoming])
    except NotStored:
        if answered_inline:
            return [Outgoing(texts.BUSY)]
        raise
    return await handle_stored(ctx, item, answered_inline=answered_inline, wait_sent=True)


def process(ctx: BotHost, incoming: Incoming, *, answered_inline: bool = False) -> list[Outgoing]:
    """`handle` without an event loop (the CLI, tests): store, handle once, return the replies."""
    try:
        (item,) = store(ctx, [incoming])
    except NotStored:
        return [Outgoing(texts.BUSY)]
    return process_stored(ctx, item, answered_inline=answered_inline).replies


def left_over(ctx: BotHost, *, older_than: timedelta | None, limit: int = 200) -> list[Stored]:
    """Stored updates nobody is handling: left by a process that died, or by a busy database."""
    before = None if older_than is None else utcnow() - older_than
    with ctx.transaction() as session:
        rows = queue.pending_inbound(session, received_before=before, limit=limit)
        return [Stored(r.id, from_payload(r.payload or {}), False) for r in rows
                if r.id not in _in_hand and r.payload]


async def resume(ctx: BotHost, *, older_than: timedelta | None = None) -> int:
    """Handle what was stored but never handled, in the order it arrived; how many were handled."""
    tried: set[int] = set()
    while True:
        items = await asyncio.to_thread(left_over, ctx, older_than=older_than)
        items = [i for i in items if i.inbound_id not in _in_hand and i.inbound_id not in tried]
        if not items:
            return len(tried)
        for item in items:
            tried.add(item.inbound_id)
            await handle_stored(ctx, item)

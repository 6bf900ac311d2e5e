"""`doithoai serve`: the web app, the bots and the outbox worker in one event loop, or one part of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from functools import partial

import uvicorn
from fastapi import APIRouter, FastAPI
from pydantic import SecretStr

from bot.channels import webchat, zalo
from bot.channels.zalo import oa_channel
from bot.retry import retrying
from bot.runner import Channels
from doithoai import retraining
from doithoai.config import Settings, secret_values
from doithoai.context import Services
from storage.actions import proposals
from storage.db import is_postgres
from storage.errors import DomainError
from storage.uploads import Sweep, sweep_orphans
from telemetry.logs import configure_logging
from web.app import create_app

log = logging.getLogger("doithoai.runtime")

PARTS = ("web", "bot", "worker")
SWEEP_SECONDS = 3600.0
PROPOSE_SECONDS = 1.0
"""How often new questions are compared with their meeting's open ones: the organisers see a
proposed duplicate a second or so after the question arrives, and a busy bot compares many at once."""
# Database turns run in worker threads beside the event loop. With Python's default 5 ms switch
# interval, every socket call of the loop (a reply, a getUpdates) can wait 5 ms for the GIL
# while a turn computes; a shorter interval hands the GIL back to the loop sooner.
SWITCH_INTERVAL_SECONDS = 0.0005


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def channel_problems(s: Settings) -> list[str]:
    """Settings that would make a channel fail at start, checked before anything starts."""
    return [*zalo.config_problems(_secret(s.zalo_token), s.zalo_webhook_url, _secret(s.zalo_webhook_secret)),
            *oa_channel.config_problems(s.zalo_oa_app_id, _secret(s.zalo_oa_app_secret),
                                        _secret(s.zalo_oa_secret_key), _secret(s.zalo_oa_refresh_token))]


def run(ctx: Services, host: str, port: int, only: str | None) -> None:
    problems = channel_problems(ctx.settings)
    if problems:
        # A clear message and exit status 2, not a traceback from deep inside a channel.
        print("Lỗi cấu hình / configuration error:", *(f"- {p}" for p in problems), sep="\n", file=sys.stderr)
        raise SystemExit(2)
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    configure_logging(ctx.settings.log_level, ctx.settings.log_format, secret_values(ctx.settings))
    asyncio.run(serve(ctx, host, port, only))


def console_app(ctx: Services, routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The organiser console with the citizens' web chat (and any webhook `routers`)."""
    return create_app(ctx, routers=[webchat.make_router(ctx), *routers])


def build_web(ctx: Services, channels: Channels, with_console: bool) -> FastAPI:
    """The console with the web chat, or (for `--only bot` in webhook mode) just the webhooks."""
    if with_console:
        return console_app(ctx, channels.routers)
    app = FastAPI(title="doithoai webhooks")
    for router in channels.routers:
        app.include_router(router)
    return app


def sweep_once(ctx: Services) -> Sweep:
    with ctx.transaction() as session:
        return sweep_orphans(session, ctx.settings.upload_dir)


def propose_once(ctx: Services) -> int:
    """Proposed duplicates for every question waiting for one; SQLite's writers of this process
    take turns (`bot.retry`), so the bots' turns are not refused while a batch is written."""
    def batch() -> int:
        with ctx.transaction() as session:
            return proposals.propose_pending(session, ctx.analyzer, limit=proposals.BATCH)

    done = 0
    while (n := retrying(batch, sqlite=not is_postgres(ctx.settings.database_url))) > 0:
        done += n
        if n < proposals.BATCH:
            break
    return done


async def repeat(work: Callable[[], object], stop: asyncio.Event, every: float, what: str) -> None:
    """Run `work` in a thread every `every` seconds until `stop`; a failed round (a busy or absent
    database) is logged and the next one runs as planned."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(work)
        except DomainError as exc:
            log.warning("%s skipped: %s", what, exc.message)
        except Exception:
            log.warning("%s failed; trying again", what, exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def serve(ctx: Services, host: str, port: int, only: str | None) -> None:
    parts = set(PARTS) if only is None else {only}
    stop = asyncio.Event()
    channels = Channels.from_settings(ctx)
    server: uvicorn.Server | None = None
    web_needed = "web" in parts or ("bot" in parts and bool(channels.routers))
    if web_needed:
        app = build_web(ctx, channels, with_console="web" in parts)
        # log_config=None: uvicorn's loggers go through the root handler and its redacting filter.
        config = uvicorn.Config(app, host=host, port=port, log_level=ctx.settings.log_level.lower(), log_config=None)
        server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await channels.open()
    # Every part takes questions (the bots, the web chat and Open311, the worker's resumed updates).
    channels.tasks.append(asyncio.create_task(
        repeat(partial(propose_once, ctx), stop, PROPOSE_SECONDS, "duplicate proposals")))
    try:
        if "bot" in parts:
            await channels.start_bots(stop)
        if "worker" in parts:
            channels.start_worker(stop)
            channels.tasks.append(asyncio.create_task(
                repeat(partial(sweep_once, ctx), stop, SWEEP_SECONDS, "upload sweep")))
            channels.tasks.append(asyncio.create_task(
                repeat(partial(retraining.run_pending, ctx), stop, retraining.POLL_SECONDS, "retraining")))
        if server is not None:
            # uvicorn handles SIGINT/SIGTERM while it serves, then hands them back to the handlers above.
            await server.serve()
            stop.set()
        else:
            await stop.wait()
    finally:
        await channels.close()

"""`doithoai serve`: the web app, the bots and the outbox worker in one event loop, or one part of them."""

from __future__ import annotations

import asyncio
import signal
import sys

import uvicorn
from fastapi import FastAPI

from bot.runner import Channels
from doithoai.config import secret_values
from doithoai.context import AppContext
from telemetry.logs import configure_logging

PARTS = ("web", "bot", "worker")
# Database turns run in worker threads beside the event loop. With Python's default 5 ms switch
# interval, every socket call of the loop (a reply, a getUpdates) can wait 5 ms for the GIL
# while a turn computes; a shorter interval hands the GIL back to the loop sooner.
SWITCH_INTERVAL_SECONDS = 0.0005


def run(ctx: AppContext, host: str, port: int, only: str | None) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    configure_logging(ctx.settings.log_level, ctx.settings.log_format, secret_values(ctx.settings))
    asyncio.run(serve(ctx, host, port, only))


def build_web(ctx: AppContext, channels: Channels, with_console: bool) -> FastAPI:
    """The console with the web chat, or (for `--only bot` in webhook mode) just the webhooks."""
    if with_console:
        from web.app import create_app

        app = create_app(ctx)
        if not any(getattr(r, "path", "") == "/chat/api/open" for r in app.routes):
            from bot.channels.webchat import make_router

            app.include_router(make_router(ctx))
    else:
        app = FastAPI(title="doithoai webhooks")
    for router in channels.routers:
        app.include_router(router)
    return app


async def serve(ctx: AppContext, host: str, port: int, only: str | None) -> None:
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
    try:
        if "bot" in parts:
            await channels.start_bots(stop)
        if "worker" in parts:
            channels.start_worker(stop)
        if server is not None:
            # uvicorn handles SIGINT/SIGTERM while it serves, then hands them back to the handlers above.
            await server.serve()
            stop.set()
        else:
            await stop.wait()
    finally:
        await channels.close()

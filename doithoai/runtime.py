"""`doithoai serve`: the web app, the bots and the outbox worker in one process, or one part of them."""

from __future__ import annotations

import uvicorn

from doithoai.context import AppContext


def run(ctx: AppContext, host: str, port: int, only: str | None) -> None:
    from web.app import create_app

    web_app = create_app(ctx)
    uvicorn.run(web_app, host=host, port=port, log_level=ctx.settings.log_level.lower())

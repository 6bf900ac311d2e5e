"""The FastAPI application: organiser console, web chat and JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse


def create_app(ctx: Any) -> FastAPI:
    app = FastAPI(title="doithoai")
    app.state.ctx = ctx

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return "<!doctype html><html lang='vi'><meta charset='utf-8'><title>doithoai</title><h1>doithoai</h1></html>"

    return app

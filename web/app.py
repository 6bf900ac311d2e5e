"""The FastAPI application: organiser console and Open311 API; the host adds its own routers (the web chat)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from storage.errors import DomainError
from web.deps import ConsoleHost
from web.errors import LoginRequired
from web.render import render
from web.routes import (
    account,
    admin,
    agenda,
    attachments,
    auth,
    classifier,
    inbox,
    meetings,
    open311,
    overdue,
    questions,
    queue,
    reports,
    units,
)
from web.security import LoginLimiter

MAX_BODY_BYTES = 2 * 1024 * 1024
SESSION_HOURS = 12
API_PREFIXES = ("/open311/", "/api/")


class BodyLimit:
    """Refuses request bodies above `limit` bytes before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.limit:
                response = PlainTextResponse(
                    f"Dữ liệu gửi lên quá lớn (tối đa {self.limit // (1024 * 1024)} MB).", status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES) or "application/json" in request.headers.get("accept", "")


def _error(request: Request, status: int, message: str, code: str = "error") -> Response:
    if _wants_json(request):
        return JSONResponse({"error": code, "message": message}, status_code=status)
    return render(request, "error.html", status_code=status, message=message, status=status)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request) or request.method != "GET":
            return _error(request, exc.status, exc.message, "login_required")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return _error(request, exc.http_status, exc.message, exc.code)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        names = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        message = "Dữ liệu gửi lên không hợp lệ" + (f" (trường: {', '.join(names)})" if names else "") + "."
        return _error(request, 422, message, "invalid_input")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Không tìm thấy trang này.", 405: "Thao tác không được hỗ trợ."}
        return _error(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)), "http_error")


def create_app(ctx: ConsoleHost, routers: Sequence[APIRouter] = ()) -> FastAPI:
    app = FastAPI(
        title="doithoai API",
        description="Open311 GeoReport v2 API of doithoai: questions of citizens to dialogue meetings.",
        version="0.1.0",
    )
    app.state.ctx = ctx
    app.state.login_limiter = LoginLimiter()
    settings: Any = ctx.settings
    public_url = str(getattr(settings, "public_url", "") or "")
    app.add_middleware(
        SessionMiddleware, secret_key=settings.signing_key(), session_cookie="doithoai_session",
        max_age=SESSION_HOURS * 3600, same_site="lax", https_only=public_url.startswith("https://"),
    )
    # The web chat accepts attachments up to max_attachment_bytes; everything else stays small.
    upload_limit = int(getattr(settings, "max_attachment_bytes", 0) or 0)
    app.add_middleware(BodyLimit, limit=max(MAX_BODY_BYTES, upload_limit + 64 * 1024))
    _install_handlers(app)
    app.mount("/static", StaticFiles(directory=str(_static_dir())), name="static")
    for module in (auth, meetings, queue, questions, agenda, overdue, reports, classifier, admin, inbox, account,
                   units, attachments):
        app.include_router(module.router, include_in_schema=False)
    app.include_router(open311.router)
    for router in routers:
        app.include_router(router)
    return app


def _static_dir() -> Path:
    return Path(__file__).with_name("static")

"""The FastAPI application: organiser console and Open311 API; the host adds its own routers (the web chat)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from storage.dberrors import translate
from storage.errors import DomainError
from web.deps import SESSION_HOURS, ConsoleHost
from web.errors import LoginRequired
from web.middleware import BodyLimit, RequestTiming, SecurityHeaders, security_headers
from web.open311_format import error as open311_error
from web.open311_format import format_of_path as open311_format_of
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
    ops,
    overdue,
    public,
    questions,
    queue,
    reports,
    units,
)

log = logging.getLogger("doithoai.web")

MAX_BODY_BYTES = 2 * 1024 * 1024
API_PREFIXES = ("/open311/", "/api/")
OPEN311_PREFIX = "/open311/"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES) or "application/json" in request.headers.get("accept", "")


def _error(request: Request, status: int, message: str, code: str = "error") -> Response:
    if request.url.path.startswith(OPEN311_PREFIX):
        return open311_error(open311_format_of(request.url.path), status, message)
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

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        # A read outside ctx.transaction() fails with the raw driver error; say which trouble it is.
        translated = translate(exc, str(getattr(request.app.state.ctx.settings, "database_url", "")))
        log.warning("database error on %s: %s", request.url.path, translated.message)
        return _error(request, translated.http_status, translated.message, translated.code)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        response = _error(request, 500, "Đã có lỗi ngoài dự kiến. Lỗi đã được ghi lại; anh/chị vui lòng thử lại "
                                        "sau hoặc báo cho quản trị viên.", "server_error")
        # This handler runs outside the middleware stack, so the headers are added here.
        for name, value in security_headers(request.url.path):
            response.headers[name.decode()] = value.decode()
        return response


def create_app(ctx: ConsoleHost, routers: Sequence[APIRouter] = ()) -> FastAPI:
    app = FastAPI(
        title="doithoai API",
        description="Open311 GeoReport v2 API of doithoai: questions of citizens to dialogue meetings.",
        version="0.1.0",
    )
    app.state.ctx = ctx
    settings: Any = ctx.settings
    public_url = str(getattr(settings, "public_url", "") or "")
    app.add_middleware(
        SessionMiddleware, secret_key=settings.signing_key(), session_cookie="doithoai_session",
        max_age=SESSION_HOURS * 3600, same_site="lax", https_only=public_url.startswith("https://"),
    )
    # The web chat accepts attachments up to max_attachment_bytes; everything else stays small.
    upload_limit = int(getattr(settings, "max_attachment_bytes", 0) or 0)
    app.add_middleware(BodyLimit, limit=max(MAX_BODY_BYTES, upload_limit + 64 * 1024))
    app.add_middleware(SecurityHeaders, hsts=public_url.startswith("https://"))
    app.add_middleware(RequestTiming)
    _install_handlers(app)
    app.mount("/static", StaticFiles(directory=str(_static_dir())), name="static")
    for module in (auth, meetings, queue, questions, agenda, overdue, reports, classifier, admin, inbox, account,
                   units, attachments, public):
        app.include_router(module.router, include_in_schema=False)
    app.include_router(open311.router)
    app.include_router(ops.router)
    for router in routers:
        app.include_router(router)
    return app


def _static_dir() -> Path:
    return Path(__file__).with_name("static")

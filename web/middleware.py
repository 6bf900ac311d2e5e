"""ASGI middleware for every response: a streaming body limit, security headers, request timing."""

from __future__ import annotations

import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry.metrics import HTTP_SECONDS


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Dữ liệu gửi lên quá lớn (tối đa {limit // (1024 * 1024)} MB).")


class BodyLimit:
    """Refuses request bodies above `limit` bytes, counted as they arrive (chunked bodies too).

    A declared Content-Length above the limit is refused before anything is read; otherwise the
    bytes are counted while the application reads them, and reading stops at the limit.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _refuse(send, self.limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Raised where no exception handler turned it into a response (a middleware reading the body).
            if started:
                raise
            await _refuse(send, self.limit)


async def _refuse(send: Send, limit: int) -> None:
    body = f"Dữ liệu gửi lên quá lớn (tối đa {limit // (1024 * 1024)} MB).".encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


# Pages load only their own scripts; inline styles are allowed for the QR codes' SVG.
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The web chat page carries its script inline; FastAPI's /docs loads Swagger UI from its CDN.
CSP_INLINE_SCRIPT = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
CSP_DOCS = (CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net")
            .replace("style-src 'self'", "style-src 'self' https://cdn.jsdelivr.net")
            .replace("img-src 'self'", "img-src 'self' https://fastapi.tiangolo.com"))

SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def policy_for(path: str) -> str:
    if path in ("/docs", "/redoc") or path.startswith("/docs/"):
        return CSP_DOCS
    if path == "/chat" or path.startswith("/chat/"):
        return CSP_INLINE_SCRIPT
    return CSP


def security_headers(path: str, *, hsts: bool = False) -> list[tuple[bytes, bytes]]:
    headers = [*SECURITY_HEADERS, (b"content-security-policy", policy_for(path).encode())]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response, whatever produced it."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope.get("path", ""), hsts=self.hsts)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *((n, v) for n, v in wanted if n not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestTiming:
    """Observes each request's latency per route template (not per URL, to keep the series few)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            HTTP_SECONDS.labels(template, scope.get("method", ""), str(status)).observe(time.perf_counter() - start)

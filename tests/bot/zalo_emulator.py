"""A local emulator of the Zalo Bot API endpoints doithoai uses, written from the platform's documentation.

Docs: https://bot.zapps.me/docs/ — each method at /docs/apis/<method>/, the update shape at /docs/webhook/.
Every method is `POST /bot<TOKEN>/<method>` with a JSON body and answers `{"ok", "result"}` or
`{"ok": false, "error_code", "description"}`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "zalo"
NOW_MS = 1750316131602


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _error(code: int, description: str, status: int | None = None, **headers: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, status or code,
                        headers=headers or None)


@dataclass
class ZaloEmulator:
    token: str = "12345689:zalo-test-token"
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    webhook: dict[str, str] | None = None
    # Scripted answers to sendMessage, consumed first: HTTP status codes (429, 500), 0 for a normal answer.
    failures: list[int] = field(default_factory=list)
    # Scripted answers to getUpdates, consumed first: HTTP status codes (500, 502).
    poll_failures: list[int] = field(default_factory=list)
    # How an idle long poll ends: "408" (HTTP 200 + error_code 408), "http408", or "empty" (`result: {}`).
    idle: str = "408"
    # While `hold` is set no update is handed out; `parked` counts long polls waiting right now.
    hold: bool = False
    parked: int = 0
    handed_out: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _message(self, user: str, **content: Any) -> dict[str, Any]:
        # Message fields: /docs/webhook/ (from, chat, message_id as a string, date in milliseconds).
        n = next(self._ids)
        return {"from": {"id": user, "display_name": "Người dân", "is_bot": False},
                "chat": {"id": user, "chat_type": "PRIVATE"}, "message_id": f"m{n:019d}",
                "date": NOW_MS + n, **content}

    def user_says(self, user: str, text: str) -> None:
        self.updates.append({"event_name": "message.text.received", "message": self._message(user, text=text)})

    def user_sends_photo(self, user: str, caption: str = "") -> None:
        self.updates.append({"event_name": "message.image.received", "message": self._message(
            user, photo_url="https://f20-zpc.zdn.vn/jpg/1/a.jpg", caption=caption)})

    def texts_to(self, chat_id: str) -> list[str]:
        return [t for c, t in self.sent if c == chat_id]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bot{token}/{method}")
        async def method(token: str, method: str, request: Request) -> JSONResponse:
            self.calls[method] += 1
            if token != self.token:
                return _error(401, "Unauthorized")
            body = await request.json() if await request.body() else {}
            if method == "getUpdates":
                return await self._getUpdates(body, request)
            handler = getattr(self, f"_{method}", None)
            if handler is None:
                return _error(404, "Not Found")
            return await handler(body)  # type: ignore[no-any-return]

        return app

    async def _getMe(self, _body: dict[str, Any]) -> JSONResponse:
        # /docs/apis/getMe/
        return JSONResponse({"ok": True, "result": {"id": "bot1", "account_name": "bot.doithoai",
                                                    "account_type": "BASIC", "can_join_groups": False}})

    async def _getUpdates(self, body: dict[str, Any], request: Request) -> JSONResponse:
        # /docs/apis/getUpdates/: long poll; `result` is ONE update; an idle poll ends with error 408.
        # The platform refuses getUpdates while a webhook is set; the docs give no code for it (400 here).
        # A poll whose client has gone (a killed process) gets nothing: like any HTTP server that sees
        # the closed connection, the emulator keeps the update for the next poll.
        if self.webhook is not None:
            return _error(400, "Bad Request: webhook is active, use deleteWebhook first")
        if self.poll_failures:
            return _error(self.poll_failures.pop(0), "Internal Server Error")
        deadline = time.monotonic() + min(float(body.get("timeout", 1)), 0.3)
        self.parked += 1
        try:
            while (self.hold or not self.updates) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            gone = await request.is_disconnected()
        finally:
            self.parked -= 1
        if self.updates and not self.hold and not gone:
            self.handed_out += 1
            return JSONResponse({"ok": True, "result": self.updates.pop(0)})
        if self.idle == "empty":
            return JSONResponse({"ok": True, "result": {}})
        return _error(408, "Request timeout", status=408 if self.idle == "http408" else 200)

    async def _setWebhook(self, body: dict[str, Any]) -> JSONResponse:
        # /docs/apis/setWebhook/: `url` (HTTPS) and `secret_token` (8-256 characters) are both required.
        url, secret = str(body.get("url") or ""), str(body.get("secret_token") or "")
        if not url.startswith("https://") or not 8 <= len(secret) <= 256:
            return _error(400, "Bad Request: invalid url or secret_token")
        self.webhook = {"url": url, "secret_token": secret}
        return JSONResponse({"ok": True, "result": {"url": url, "updated_at": NOW_MS}})

    async def _deleteWebhook(self, _body: dict[str, Any]) -> JSONResponse:
        # /docs/apis/deleteWebhook/
        self.webhook = None
        return JSONResponse({"ok": True, "result": {"url": "", "updated_at": NOW_MS}})

    async def _getWebhookInfo(self, _body: dict[str, Any]) -> JSONResponse:
        # /docs/apis/getWebhookInfo/: the secret is never returned.
        url = self.webhook["url"] if self.webhook else ""
        return JSONResponse({"ok": True, "result": {"url": url, "updated_at": NOW_MS}})

    async def _sendMessage(self, body: dict[str, Any]) -> JSONResponse:
        # /docs/apis/sendMessage/: `chat_id` and `text` (1-2000 characters); result {message_id, date}.
        status = self.failures.pop(0) if self.failures else 0  # 0: this one goes through
        if status == 429:
            return _error(429, "Too Many Requests", **{"Retry-After": "1"})
        if status:
            return _error(status, "Internal Server Error")
        text = str(body.get("text") or "")
        if not body.get("chat_id") or not 1 <= len(text) <= 2000:
            return _error(400, "Bad Request: text must be 1-2000 characters")
        self.sent.append((str(body["chat_id"]), text))
        n = next(self._ids)
        return JSONResponse({"ok": True, "result": {"message_id": f"s{n:019d}", "date": NOW_MS + n}})

    async def _sendChatAction(self, body: dict[str, Any]) -> JSONResponse:
        # /docs/apis/sendChatAction/: action "typing" (upload_photo "coming soon"); answers {"ok": true}.
        if body.get("action") != "typing":
            return _error(400, "Bad Request: action not supported")
        self.actions.append("typing")
        return JSONResponse({"ok": True})

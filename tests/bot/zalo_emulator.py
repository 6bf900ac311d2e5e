"""A small emulator of the Zalo Bot API endpoints doithoai uses, shaped like the recorded fixtures."""

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


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@dataclass
class ZaloEmulator:
    token: str = "12345689:zalo-test-token"
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    webhook: dict[str, str] | None = None
    # Scripted answers to sendMessage, consumed first: HTTP status codes (429, 500).
    failures: list[int] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def user_says(self, user: str, text: str) -> None:
        update = fixture("text_received")["result"]
        update["message"] = {**update["message"], "text": text, "message_id": f"m{next(self._ids)}",
                             "from": {"id": user, "display_name": "Test", "is_bot": False},
                             "chat": {"id": user, "chat_type": "PRIVATE"}}
        self.updates.append(update)

    def texts_to(self, chat_id: str) -> list[str]:
        return [t for c, t in self.sent if c == chat_id]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bot{token}/{method}")
        async def method(token: str, method: str, request: Request) -> JSONResponse:
            self.calls[method] += 1
            if token != self.token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            body = await request.json() if await request.body() else {}
            if method == "getMe":
                return JSONResponse({"ok": True, "result": {"id": "bot1", "account_name": "bot.doithoai",
                                                            "account_type": "BASIC", "can_join_groups": False}})
            if method == "getUpdates":
                deadline = time.monotonic() + min(float(body.get("timeout", 1)), 0.3)
                while not self.updates and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                if not self.updates:
                    return JSONResponse(fixture("get_updates_timeout"))
                return JSONResponse({"ok": True, "result": self.updates.pop(0)})
            if method == "sendMessage":
                if self.failures:
                    status = self.failures.pop(0)
                    headers = {"Retry-After": "1"} if status == 429 else {}
                    return JSONResponse({"ok": False, "error_code": status, "description": "Too Many Requests"
                                         if status == 429 else "Internal Server Error"}, status, headers=headers)
                self.sent.append((str(body["chat_id"]), str(body["text"])))
                return JSONResponse(fixture("send_message_ok"))
            if method == "sendChatAction":
                self.actions.append(str(body.get("action")))
                return JSONResponse({"ok": True, "result": True})
            if method == "setWebhook":
                self.webhook = {"url": body["url"], "secret_token": body["secret_token"]}
                return JSONResponse({"ok": True, "result": {"url": body["url"], "updated_at": 1750316131602}})
            if method == "deleteWebhook":
                self.webhook = None
                return JSONResponse({"ok": True, "result": {"url": "", "updated_at": 1750316131602}})
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

        return app

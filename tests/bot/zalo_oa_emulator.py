"""A local emulator of the Zalo Official Account Open API, written from its documentation; no polling.

Docs: https://developers.zalo.me/docs/official-account/ — consultation messages
(tin-nhan/tin-tu-van/gui-tin-tu-van), the rule on when they may be sent
(tin-nhan/tin-tu-van/dieu-kien-gui-tin-tu-van), the token refresh
(bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new) and signed webhook events (webhook/tong-quan).
Both Zalo hosts (openapi.zalo.me and oauth.zaloapp.com) are served by this one app.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DAY = 86_400.0
WINDOW_DAYS = 7


@dataclass
class ZaloOaEmulator:
    app_id: str = "3601520307398429114"
    app_secret: str = "app-secret-for-tests"
    oa_secret_key: str = "oa-secret-key-for-tests"
    oa_id: str = "579745863508352884"
    refresh_token: str = field(default_factory=lambda: "r-" + secrets.token_hex(8))
    access_tokens: set[str] = field(default_factory=set)
    now: float = 1_750_316_131.0  # the emulator's clock, in seconds; `days_pass` moves it
    followers: dict[str, float] = field(default_factory=dict)  # user id -> last interaction
    blocked: set[str] = field(default_factory=set)
    failures: list[int] = field(default_factory=list)  # scripted HTTP statuses for message/cs
    sent: list[tuple[str, str]] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- the follower's side: events as Zalo posts them to the webhook ---

    def event(self, user: str, event_name: str, message: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """A signed webhook request: `X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA key)`."""
        self.followers[user] = self.now
        n = next(self._ids)
        body = {"app_id": self.app_id, "user_id_by_app": f"a{user}", "event_name": event_name,
                "timestamp": str(int(self.now * 1000) + n), "sender": {"id": user},
                "recipient": {"id": self.oa_id}, "message": {"msg_id": f"msg{n:016d}", **message}}
        raw = json.dumps(body, ensure_ascii=False).encode()
        mac = hashlib.sha256(self.app_id.encode() + raw + body["timestamp"].encode()
                             + self.oa_secret_key.encode()).hexdigest()
        return raw, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}

    def user_says(self, user: str, text: str) -> tuple[bytes, dict[str, str]]:
        return self.event(user, "user_send_text", {"text": text})

    def days_pass(self, days: float) -> None:
        self.now += days * DAY

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def texts_to(self, user: str) -> list[str]:
        return [t for u, t in self.sent if u == user]

    # --- the API ---

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v3.0/oa/message/cs")
        async def message_cs(request: Request) -> JSONResponse:
            self.calls["message/cs"] += 1
            if self.failures:
                return JSONResponse({"error": -1, "message": "Internal error"}, self.failures.pop(0))
            return JSONResponse(self._send(request.headers.get("access_token", ""), await request.json()))

        @app.post("/v4/oa/access_token")
        async def access_token(request: Request) -> JSONResponse:
            self.calls["access_token"] += 1
            form = await request.form()
            return JSONResponse(self._refresh(request.headers.get("secret_key", ""),
                                              {k: str(v) for k, v in form.items()}))

        return app

    def _send(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        # Errors come with HTTP 200 and a negative `error` (the API's error-code table).
        if token not in self.access_tokens:
            return {"error": -216, "message": "Access token is invalid"}
        user = str((body.get("recipient") or {}).get("user_id") or "")
        text = str((body.get("message") or {}).get("text") or "")
        if not text or len(text) > 2000:
            return {"error": -201, "message": "message.text is invalid"}
        if user in self.blocked:
            return {"error": -244, "message": "User has restricted this message type from your OA"}
        if user not in self.followers:
            return {"error": -213, "message": "User has not followed OA"}
        if self.now - self.followers[user] > WINDOW_DAYS * DAY:
            return {"error": -230, "message": "User has not interacted with the OA in the past 7 days"}
        self.sent.append((user, text))
        return {"error": 0, "message": "Success", "data": {"message_id": f"oa{next(self._ids):016d}",
                                                           "user_id": user}}

    def _refresh(self, secret_key: str, form: dict[str, str]) -> dict[str, Any]:
        # The refresh token is single-use: the answer carries a new access token AND a new refresh token.
        if secret_key != self.app_secret or form.get("app_id") != self.app_id:
            return {"error": -14002, "error_name": "Invalid app", "error_description": "app_id or secret_key"}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return {"error": -14014, "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is invalid or expired"}
        access = "a-" + secrets.token_hex(8)
        self.access_tokens.add(access)
        self.refresh_token = "r-" + secrets.token_hex(8)
        return {"access_token": access, "refresh_token": self.refresh_token, "expires_in": "90000"}

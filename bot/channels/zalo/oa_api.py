"""The Zalo Official Account (OA) Open API over httpx: consultation messages and token refresh.

References (developers.zalo.me/docs/official-account/...):
- send: tin-nhan/tin-tu-van/gui-tin-tu-van — `POST https://openapi.zalo.me/v3.0/oa/message/cs`, header
  `access_token`, body `{"recipient": {"user_id"}, "message": {"text"}}` (text at most 2.000 characters);
  answers `{"error": 0, "message": "Success", "data": {"message_id", "user_id"}}`, an error as a
  negative `error` with HTTP 200.
- refresh: bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new — `POST https://oauth.zaloapp.com/v4/oa/access_token`,
  header `secret_key: <app secret>`, form `refresh_token`, `app_id`, `grant_type=refresh_token`;
  answers `{"access_token", "refresh_token", "expires_in": "90000"}` (expires_in in seconds, a string),
  an error as `{"error": <negative>, "error_name", "error_description"}`. The refresh token is single-use.
- consultation window: tin-nhan/tin-tu-van/dieu-kien-gui-tin-tu-van — only to a follower who interacted
  with the OA in the last 7 days; otherwise -230 (or -232).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from bot.errors import BotError

MAX_TEXT = 2000
# Error codes from the OA API's error table: what doithoai does about each.
TOKEN_ERRORS = {-216: "access token không hợp lệ", -220: "access token đã hết hạn", -124: "access token hết hạn"}
WINDOW_ERRORS = {
    -230: "người dân không tương tác với OA trong 7 ngày qua",
    -232: "người dân chưa tương tác với OA hoặc lần tương tác cuối đã quá hạn",
}
RECIPIENT_ERRORS = {
    -213: "người dân chưa quan tâm (hoặc đã bỏ quan tâm) OA",
    -227: "tài khoản Zalo của người dân bị khoá hoặc không hoạt động quá 45 ngày",
    -244: "người dân đã chặn loại tin này từ OA",
    -218: "đã quá giới hạn số tin gửi đến người dân này",
    -201: "tham số gửi tin không hợp lệ",
    -207: "ID người dân không hợp lệ",
}
RATE_ERRORS = {-32: 60.0, -211: 3600.0}  # limit of calls per minute; out of quota: wait, then try again


class OaError(BotError):
    """A failed OA call; `code` is Zalo's negative error code, or None for transport and HTTP errors."""

    def __init__(self, description: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.status = status

    @property
    def token_expired(self) -> bool:
        return self.code in TOKEN_ERRORS


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: float


def _code(body: dict[str, Any]) -> int:
    try:
        return int(body.get("error") or 0)
    except (TypeError, ValueError):
        return -1


class OaClient:
    def __init__(self, api_url: str, oauth_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(15.0), transport=transport)

    async def _post(self, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            resp = await self.http.post(url, **kwargs)
        except httpx.HTTPError as exc:
            raise OaError(f"{type(exc).__name__} khi gọi Zalo OA") from exc
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code >= 400 or not isinstance(body, dict):
            raise OaError(f"HTTP {resp.status_code}", status=resp.status_code)
        return body

    async def send_text(self, access_token: str, user_id: str, text: str) -> str:
        """One consultation text message; Zalo's message id."""
        body = await self._post(f"{self.api_url}/v3.0/oa/message/cs", headers={"access_token": access_token},
                                json={"recipient": {"user_id": user_id}, "message": {"text": text}})
        code = _code(body)
        if code != 0:
            raise OaError(str(body.get("message") or "Zalo OA error"), code=code)
        data = body.get("data")
        return str(data.get("message_id") or "") if isinstance(data, dict) else ""

    async def refresh(self, app_id: str, app_secret: str, refresh_token: str) -> Tokens:
        body = await self._post(f"{self.oauth_url}/v4/oa/access_token", headers={"secret_key": app_secret},
                                data={"refresh_token": refresh_token, "app_id": app_id,
                                      "grant_type": "refresh_token"})
        access, new_refresh = body.get("access_token"), body.get("refresh_token")
        if _code(body) != 0 or not access or not new_refresh:
            reason = body.get("error_description") or body.get("error_name") or body.get("message") or "no token"
            raise OaError(f"làm mới token thất bại: {reason}", code=_code(body) or None)
        try:
            expires_in = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            expires_in = 3600.0
        return Tokens(str(access), str(new_refresh), expires_in)

    async def aclose(self) -> None:
        await self.http.aclose()

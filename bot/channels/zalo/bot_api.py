"""The Zalo Bot Platform's Bot API over httpx: the methods doithoai uses, and their errors.

Reference: https://bot.zapps.me/docs/ (API list under /docs/apis/: getMe, getUpdates, setWebhook,
deleteWebhook, getWebhookInfo, sendMessage, sendChatAction). Every call is
`POST <base>/bot<TOKEN>/<method>` with a JSON body, and answers the envelope
`{"ok": bool, "result": ..., "error_code": int, "description": str}`; HTTP 200 alone is not success.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

from bot.errors import BotError

MAX_TEXT = 2000  # sendMessage: `text` 1-2000 characters (https://bot.zapps.me/docs/apis/sendMessage/)
SECRET_MIN, SECRET_MAX = 8, 256  # setWebhook: `secret_token` 8-256 characters (/docs/apis/setWebhook/)
IDLE_POLL = 408  # getUpdates with nothing to hand out within `timeout` answers error_code 408
UNAUTHORIZED = (401, 404)  # a wrong or revoked token

_TOKEN_IN_URL = re.compile(r"/bot[^/\s\"']+/")


class ZaloError(BotError):
    """A failed Bot API call: transport error, HTTP error or `ok: false`."""

    def __init__(self, description: str, *, code: int | None = None, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.status = status
        self.retry_after = retry_after

    @property
    def unauthorized(self) -> bool:
        return self.code in UNAUTHORIZED or self.status in UNAUTHORIZED

    @property
    def too_many_requests(self) -> bool:
        return self.code == 429 or self.status == 429

    @property
    def permanent(self) -> bool:
        """A 4xx other than 408/429: sending the same request again cannot succeed."""
        status = self.status if self.status is not None and self.status >= 400 else self.code
        return status is not None and 400 <= status < 500 and status not in (408, 429)


class RedactBotToken(logging.Filter):
    """httpx logs each request URL at INFO; the Bot API URL carries the token, so hide it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_TOKEN_IN_URL.sub("/bot***/", str(a)) if "/bot" in str(a) else a for a in args)
        if isinstance(record.msg, str) and "/bot" in record.msg:
            record.msg = _TOKEN_IN_URL.sub("/bot***/", record.msg)
        return True


def _install_redaction() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactBotToken) for f in logger.filters):
            logger.addFilter(RedactBotToken())


def _int(value: Any) -> int | None:
    """`error_code` is documented as a number; some answers carry it as a string ("408")."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _retry_after(resp: httpx.Response, body: dict[str, Any]) -> float | None:
    header = resp.headers.get("Retry-After")
    params = body.get("parameters")
    value = params.get("retry_after") if isinstance(params, dict) else None
    for candidate in (header, value):
        try:
            if candidate is not None:
                return float(candidate)
        except (TypeError, ValueError):
            continue
    return None


class ZaloClient:
    """getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, sendMessage, sendChatAction."""

    def __init__(self, token: str, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None,
                 poll_timeout: int = 30) -> None:
        _install_redaction()
        # The long poll holds the request up to `poll_timeout` seconds: the read timeout must exceed it.
        self.http = httpx.AsyncClient(base_url=f"{base_url.rstrip('/')}/bot{token}/",
                                      timeout=httpx.Timeout(15.0, read=poll_timeout + 15.0), transport=transport)

    async def call(self, method: str, payload: dict[str, Any] | None = None) -> Any:
        try:
            resp = await self.http.post(method, json=payload or {})
        except httpx.HTTPError as exc:  # the message of a transport error never holds the URL
            raise ZaloError(f"{type(exc).__name__} khi gọi {method}") from exc
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {"ok": False, "description": f"HTTP {resp.status_code}, không phải JSON"}
        if resp.status_code >= 400 or body.get("ok") is not True:
            code = _int(body.get("error_code")) or resp.status_code
            raise ZaloError(str(body.get("description") or f"HTTP {resp.status_code}"), code=code,
                            status=resp.status_code, retry_after=_retry_after(resp, body))
        return body.get("result")

    async def get_me(self) -> Any:
        return await self.call("getMe")

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:
        """The updates handed out by one long poll; [] when the poll ended idle.

        https://bot.zapps.me/docs/apis/getUpdates/: the parameter table types `timeout` as String while
        its example sends the number 30; the String reading is sent. The answer's `result` is one update
        object (not an array as on Telegram); an array is accepted too. An idle poll answers
        `{"ok": false, "error_code": 408, "description": "Request timeout"}` (seen with HTTP 200 and with
        HTTP 408) or an empty `result`: all of these mean "nothing new".
        """
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)})
        except ZaloError as exc:
            if exc.code == IDLE_POLL or exc.status == IDLE_POLL:
                return []
            raise
        if isinstance(result, list):
            return [u for u in result if isinstance(u, dict) and u]
        return [result] if isinstance(result, dict) and result else []

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        """`{"url": "", "updated_at": <ms>}`; an empty url means no webhook (/docs/apis/getWebhookInfo/)."""
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        """Answers `{"ok": true}` without a result; only "typing" is available (/docs/apis/sendChatAction/)."""
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def aclose(self) -> None:
        await self.http.aclose()

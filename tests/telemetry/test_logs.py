"""Secrets never reach a log line: bot tokens in httpx URLs, API keys in the access log, OA tokens,
passwords of settings; and DOITHOAI_LOG_FORMAT=json gives one JSON object per line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from doithoai.config import Settings, secret_values
from telemetry.logs import configure_logging

BOT_TOKEN = "7012345678:AAHk1x9Zq-8vVbY3nR2mW4tL6pS0dF7gJ5c"
OA_TOKEN = "oa-Xk2f9sLm3Qw8Zr1Tv6Yb4Nc7Hd0Jg5Pe"
SMTP_PASSWORD = "smtp-Mat-Khau-Rat-Bi-Mat-2026"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def test_bot_token_in_httpx_urls_and_oa_tokens_are_redacted(captured: io.StringIO) -> None:
    configure_logging("INFO", "plain", [], stream=captured)
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, json={"ok": True}))
    with httpx.Client(transport=transport) as client:
        client.get(f"https://api.telegram.org/bot{BOT_TOKEN}/getMe")
        client.get("https://openapi.zalo.me/v3.0/oa/message/cs", headers={"access_token": OA_TOKEN})
        client.get(f"https://oauth.zaloapp.com/v4/oa/access_token?refresh_token={OA_TOKEN}&app_id=1")
    logging.getLogger("doithoai.zalo").warning("refresh failed: {'access_token': '%s'}", OA_TOKEN)
    text = captured.getvalue()
    assert "HTTP Request: GET https://api.telegram.org/bot***/getMe" in text
    assert BOT_TOKEN not in text and OA_TOKEN not in text and "refresh_token=***" in text


def test_access_log_api_key_and_settings_secrets(captured: io.StringIO) -> None:
    settings = Settings(telegram_token=SecretStr(BOT_TOKEN), secret_key=SecretStr("k" * 48),
                        database_url="postgresql://doithoai:pg-secret-99@db.local/doithoai")
    extra = [*secret_values(settings), SMTP_PASSWORD]
    configure_logging("INFO", "plain", extra, stream=captured)
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.5:5000", "GET",
                "/open311/v2/requests.json?api_key=dt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg", "1.1", 200)
    logging.getLogger("doithoai.mail").error("SMTP login failed with password %s", SMTP_PASSWORD)
    logging.getLogger("sqlalchemy").error("cannot connect to %s", settings.database_url)
    try:
        raise RuntimeError(f"token {BOT_TOKEN} refused")
    except RuntimeError:
        logging.getLogger("doithoai").exception("send failed")
    text = captured.getvalue()
    assert "api_key=***" in text and "dt_AbCd" not in text
    assert SMTP_PASSWORD not in text and "pg-secret-99" not in text and BOT_TOKEN not in text
    assert "postgresql://doithoai:***@db.local/doithoai" in text and "RuntimeError" in text


def test_json_lines(captured: io.StringIO) -> None:
    configure_logging("INFO", "json", [], stream=captured)
    logging.getLogger("doithoai.web").info("Đã gửi %d câu trả lời, api_key=%s", 3, "dt_secretsecretsecretsecret1")
    entry = json.loads(captured.getvalue().strip().splitlines()[-1])
    assert entry["level"] == "INFO" and entry["logger"] == "doithoai.web"
    assert entry["message"] == "Đã gửi 3 câu trả lời, api_key=***" and entry["time"].endswith("+00:00")

"""Logging set-up: a filter that redacts secrets from every record, plain or JSON lines.

Secrets reach logs by several roads: httpx logs each request URL (a Telegram Bot API URL holds the
bot token), uvicorn's access log holds query strings (`?api_key=`), error messages can quote
headers. The filter sits on the handlers, so it sees every record of every logger.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

MASK = "***"

_PATTERNS = [
    # Telegram bot tokens: <bot id>:<35 characters>, also inside /bot<token>/ URLs.
    (re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}"), MASK),
    # Secrets in query strings and form bodies: ?api_key=..., &access_token=..., password=...
    (re.compile(r"(?i)\b((?:api[_-]?key|access[_-]?token|refresh[_-]?token|secret[_-]?key|token|secret|password"
                r"|passwd|pwd)=)[^&\s\"']+"), rf"\g<1>{MASK}"),
    # Secrets in headers or JSON: "access_token": "...", X-Api-Key: ..., Authorization: Bearer ...
    (re.compile(r"(?i)([\"']?(?:api[_-]?key|access[_-]?token|refresh[_-]?token|secret[_-]?token|password"
                r"|secret[_-]?key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}]+"), rf"\g<1>{MASK}"),
    (re.compile(r"(?i)\b(authorization\s*[:=]\s*(?:bearer|basic)?\s*)[^\s\"',;}]+"), rf"\g<1>{MASK}"),
    # Database URLs: the password between user: and @.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@"), rf"\g<1>{MASK}@"),
    # Our own Open311 keys (dt_ + 43 url-safe characters) wherever they appear.
    (re.compile(r"\bdt_[A-Za-z0-9_-]{20,}"), MASK),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Replaces the record's message by its redacted form (also the text of an exception)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Short values would mask ordinary words; real secrets are long.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self.secrets)
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception text)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str = "INFO", fmt: str = "plain", secrets: Iterable[str] = (),
                      stream: IO[str] | None = None) -> logging.Handler:
    """One handler on the root logger, with the redacting filter; uvicorn's loggers propagate to it."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        logger.disabled = False
    return handler

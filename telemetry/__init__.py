"""Metrics and logging shared by every part of doithoai; imports nothing from the project."""

from telemetry.logs import RedactingFilter, configure_logging, redact
from telemetry.metrics import (
    CLASSIFY_SECONDS,
    DELIVERIES,
    HTTP_SECONDS,
    MESSAGES,
    RATE_LIMITED,
)

__all__ = [
    "CLASSIFY_SECONDS",
    "DELIVERIES",
    "HTTP_SECONDS",
    "MESSAGES",
    "RATE_LIMITED",
    "RedactingFilter",
    "configure_logging",
    "redact",
]

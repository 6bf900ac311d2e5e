"""One Settings class: environment variables prefixed DOITHOAI_, and a .env file if present."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"changeme", "change-me", "secret", "xxx", "your-token", "<token>"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOITHOAI_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///data/doithoai.db"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None
    model_path: Path = Path("data/model/classifier.joblib")
    fields_path: Path | None = None
    auto_accept: float | None = Field(default=None, ge=0.0, le=1.0)
    upload_dir: Path = Path("data/uploads")
    log_level: str = "INFO"
    # "plain" lines or "json" (one object per line, for log collectors).
    log_format: Literal["plain", "json"] = "plain"
    # Who may read /metrics: comma-separated addresses or networks (CIDR).
    metrics_allow: str = "127.0.0.1/32,::1/128"

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_username: str | None = None

    zalo_token: SecretStr | None = None
    zalo_base_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = None
    zalo_bot_link: str | None = None
    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com"

    outbox_max_attempts: int = 8
    outbox_poll_seconds: float = 1.0
    telegram_rate_per_second: float = 30.0
    telegram_rate_per_chat: float = 1.0
    zalo_rate_per_second: float = 20.0
    zalo_oa_rate_per_second: float = 10.0
    flood_max_questions: int = 10
    flood_window_minutes: int = 10
    flood_max_per_address: int = 30
    question_join_seconds: float = 0.0
    max_attachment_bytes: int = 10 * 1024 * 1024

    smtp_url: SecretStr | None = None
    mail_from: str = "doithoai <noreply@doithoai.local>"
    email_rate_per_second: float = 5.0
    due_soon_days: int = 2

    @field_validator("telegram_token", "zalo_token", "secret_key", "telegram_webhook_secret",
                     "zalo_webhook_secret", "zalo_oa_app_secret", "zalo_oa_secret_key", "zalo_oa_refresh_token",
                     "zalo_oa_access_token", "smtp_url")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDERS:
            raise ValueError("this is a placeholder, not a real secret; set the real value or unset it")
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    def signing_key(self) -> str:
        """The key that signs console sessions and web chat cookies: DOITHOAI_SECRET_KEY, or one
        generated once into `secret_key` beside the uploads folder and reused after restarts."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.upload_dir.parent / "secret_key"
        if path.exists() and (stored := path.read_text(encoding="utf-8").strip()):
            return stored
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
        return value


def secret_values(settings: BaseSettings) -> list[str]:
    """Every secret setting's value, for the log filter to redact wherever it appears."""
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
    return values


@lru_cache
def get_settings() -> Settings:
    return Settings()

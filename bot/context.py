"""What the bot needs from the process that hosts it; `doithoai.context.Services` is one."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from storage.analysis import Analyzer


class BotSettings(Protocol):
    database_url: str
    public_url: str
    secret_key: SecretStr | None
    fields_path: Path | None
    upload_dir: Path
    telegram_token: SecretStr | None
    telegram_base_url: str | None
    telegram_webhook_url: str | None
    telegram_webhook_secret: SecretStr | None
    zalo_token: SecretStr | None
    zalo_base_url: str
    zalo_webhook_url: str | None
    zalo_webhook_secret: SecretStr | None
    zalo_oa_app_id: str | None
    zalo_oa_app_secret: SecretStr | None
    zalo_oa_secret_key: SecretStr | None
    zalo_oa_refresh_token: SecretStr | None
    zalo_oa_access_token: SecretStr | None
    zalo_oa_api_url: str
    zalo_oa_oauth_url: str
    outbox_max_attempts: int
    outbox_poll_seconds: float
    telegram_rate_per_second: float
    telegram_rate_per_chat: float
    zalo_rate_per_second: float
    zalo_oa_rate_per_second: float
    flood_max_questions: int
    flood_window_minutes: int
    flood_max_per_address: int
    question_join_seconds: float
    max_attachment_bytes: int
    smtp_url: SecretStr | None
    mail_from: str
    email_rate_per_second: float

    def signing_key(self) -> str: ...


class BotHost(Protocol):
    """Settings, sessions, the analyzer and one transaction at a time, as the bot uses them."""

    @property
    def settings(self) -> BotSettings: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def analyzer(self) -> Analyzer: ...

    def transaction(self) -> AbstractContextManager[Session]: ...

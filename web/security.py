"""Secret key and CSRF tokens (login attempts are counted in the database: storage.actions.logins)."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request

from web.deps import Forbidden

SECRET_FILE = Path("data/secret_key")


def secret_key(settings: Any, path: Path | None = None) -> str:
    """The configured key, or one generated once into data/secret_key and reused after restarts.

    The file sits next to the uploads folder, where the web chat looks for the same key.
    """
    if path is None:
        upload_dir = getattr(settings, "upload_dir", None)
        path = Path(upload_dir).parent / "secret_key" if upload_dir else SECRET_FILE
    configured = getattr(settings, "secret_key", None)
    if configured is not None:
        value = configured.get_secret_value() if hasattr(configured, "get_secret_value") else str(configured)
        if value:
            return str(value)
    if path.exists():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Every state-changing request carries the session's token, in the form or a header."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if "form" in content_type:
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")

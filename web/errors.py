"""The error root of the web package: `message` is Vietnamese and shown as is; `status` is the HTTP status.

Refusals of the domain (not found, out of reach, bad input) are storage's `DomainError`s and are
answered by the same handler; these are the web's own: a missing login and Open311's protocol errors.
"""

from __future__ import annotations

from storage.errors import MessageError


class WebError(MessageError):
    status = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class LoginRequired(WebError):
    """Nobody is logged in: pages redirect to /login, the API answers 401."""

    status = 401

    def __init__(self, message: str = "Anh/chị cần đăng nhập.") -> None:
        super().__init__(message)

"""The error root of storage: every domain error has a code and a Vietnamese message.

`MessageError` is the one shape every package's error root shares (bot's BotError, web's WebError,
doithoai's DoithoaiError): a single `message` attribute, which is also the error's text.
"""

from __future__ import annotations


class MessageError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DomainError(MessageError):
    """A request the domain refuses. `message` is Vietnamese, shown to people as is."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class ForbiddenMove(DomainError):
    code = "forbidden_move"
    http_status = 409


class OutOfReach(DomainError):
    code = "out_of_reach"
    http_status = 403


class IntakeClosed(DomainError):
    code = "intake_closed"
    http_status = 409


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422


class StaleVersion(DomainError):
    code = "stale_version"
    http_status = 409


class DatabaseUnavailable(DomainError):
    code = "database_unavailable"
    http_status = 503

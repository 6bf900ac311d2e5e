"""The error root of `nlp`: every error has a stable code and a Vietnamese `message`, shown to
people as is (like `storage.errors.DomainError`)."""

from __future__ import annotations

__all__ = ["FieldsError", "ModelError", "ModelMismatch", "NlpError"]


class NlpError(Exception):
    """Base of all errors raised by `nlp`. `message` is Vietnamese."""

    code = "nlp_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class FieldsError(NlpError):
    """The field taxonomy file is missing or invalid."""

    code = "fields_invalid"


class ModelError(NlpError):
    """The classifier artifact cannot be read or trained."""

    code = "model_invalid"


class ModelMismatch(ModelError):
    """The saved classifier was trained for another field taxonomy."""

    code = "model_mismatch"

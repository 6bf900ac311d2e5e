"""The error root of `nlp`: every error carries a stable code and a Vietnamese message."""

from __future__ import annotations

__all__ = ["FieldsError", "ModelError", "ModelMismatch", "NlpError"]


class NlpError(Exception):
    """Base of all errors raised by `nlp`."""

    code = "nlp_error"

    def __init__(self, message_vi: str, message_en: str = "") -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(f"{message_vi} ({message_en})" if message_en else message_vi)


class FieldsError(NlpError):
    """The field taxonomy file is missing or invalid."""

    code = "fields_invalid"


class ModelError(NlpError):
    """The classifier artifact cannot be read or trained."""

    code = "model_invalid"


class ModelMismatch(ModelError):
    """The saved classifier was trained for another field taxonomy."""

    code = "model_mismatch"

"""The error root of the composition root (CLI, importer): `message` is Vietnamese, printed as is."""

from __future__ import annotations


class DoithoaiError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

"""The error root of the composition root (CLI, importer): `message` is Vietnamese, printed as is."""

from __future__ import annotations

from storage.errors import MessageError


class DoithoaiError(MessageError):
    pass

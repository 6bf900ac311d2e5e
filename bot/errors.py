"""The error root of the bot package: every error says what happened in `message`.

A citizen never sees these texts (bot/texts.py words what they read); they go to the log and to
the outbox row's last error, where an organiser reads them.
"""

from __future__ import annotations


class BotError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

"""The error root of the bot package: every error says what happened in `message`.

A citizen never sees these texts (bot/texts.py words what they read); they go to the log and to
the outbox row's last error, where an organiser reads them.
"""

from __future__ import annotations

from storage.errors import MessageError


class BotError(MessageError):
    pass

"""The citizen side: channels, the conversation and delivery of answers."""

from bot.messages import Button, Incoming, Outgoing
from bot.service import handle, process

__all__ = ["Button", "Incoming", "Outgoing", "handle", "process"]

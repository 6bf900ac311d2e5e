"""What a citizen sent, made storable before anything reads it."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.messages import Incoming

MAX_INPUT = 20_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # category Cc, less tab and line feed


def sanitized(inc: Incoming) -> Incoming:
    """What a citizen sent, storable everywhere: no lone surrogates (no UTF-8 for them), no NUL or
    other control characters in what is kept (PostgreSQL refuses NUL), and bounded in length."""
    def tidy(value: str | None, limit: int) -> str | None:
        if value is None:
            return None
        kept = _SURROGATE.sub("\ufffd", value[:limit])
        return _CONTROL.sub("", kept)

    return replace(inc, text=tidy(inc.text, MAX_INPUT) or "", args=tidy(inc.args, 200) or "",
                   command=tidy(inc.command, 64), data=tidy(inc.data, 64), file_name=tidy(inc.file_name, 300),
                   update_id=tidy(inc.update_id, 64))

"""A test context for the bot and a simulated citizen that talks to the conversation directly."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Hashable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import messages
from bot.delivery import DeliveryWorker
from bot.messages import Incoming, Outgoing
from bot.service import process
from doithoai.config import Settings
from storage.analysis import Analysis, PlainAnalyzer
from storage.db import make_engine, make_sessionmaker, session_scope


class KeywordAnalyzer(PlainAnalyzer):
    """Detects a field from a few words, like the classifier would, without training a model."""

    WORDS: ClassVar[dict[str, str]] = {"đường": "giao_thong", "điện": "dien", "nước": "nuoc_sach", "đất": "dat_dai"}

    def analyze(self, text: str) -> Analysis:
        base = super().analyze(text)
        lowered = text.lower()
        hits = [code for word, code in self.WORDS.items() if word in lowered]
        if not hits:
            return base
        alts = [(hits[0], 0.7), ("y_te", 0.2), ("dien" if hits[0] != "dien" else "nuoc_sach", 0.1)]
        return Analysis(base.normalized, base.search_text, hits[0], 0.7, alts, False)

    def find_similar(self, text: str, candidates: Sequence[tuple[Hashable, str]]) -> list[tuple[Hashable, float]]:
        return super().find_similar(text, candidates)


@dataclass
class BotTestContext:
    settings: Settings
    engine: Engine
    analyzer: Any = field(default_factory=KeywordAnalyzer)

    @property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with session_scope(self.sessions) as session:
            yield session


def make_context(url: str, **overrides: Any) -> BotTestContext:
    values: dict[str, Any] = {"database_url": url, "flood_max_questions": 10, "question_join_seconds": 0.0}
    values.update(overrides)
    return BotTestContext(settings=Settings(_env_file=None, **values), engine=make_engine(url))  # type: ignore[call-arg]


@asynccontextmanager
async def delivering(ctx: Any, senders: dict[str, Any], **kw: Any) -> AsyncIterator[DeliveryWorker]:
    """This process's outbox worker, running: turns hand it their replies, as under `doithoai serve`."""
    worker = DeliveryWorker(ctx, senders, **kw)
    worker.attach()
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        worker.detach()
        await asyncio.wait_for(task, 30)


_updates = itertools.count(1)


@dataclass
class Citizen:
    """One simulated citizen on one channel; keeps the last buttons to press them by label."""

    ctx: Any
    user: str
    channel: str = "telegram"
    last: list[Outgoing] = field(default_factory=list)

    def _send(self, inc: Incoming) -> list[Outgoing]:
        # The web chat shows the replies in the response to the request, as webchat.py does.
        self.last = process(self.ctx, inc, answered_inline=self.channel == "web")
        return self.last

    def say(self, text: str, update_id: str | None = None) -> list[Outgoing]:
        uid = update_id or f"u{next(_updates)}"
        return self._send(messages.text_incoming(self.channel, self.user, self.user, text, uid))

    def press(self, label: str) -> list[Outgoing]:
        for out in reversed(self.last):
            for button in out.flat_buttons():
                if button.label == label or button.data == label:
                    return self._send(Incoming(self.channel, self.user, self.user, kind=messages.BUTTON,
                                               data=button.data, update_id=f"u{next(_updates)}"))
        raise AssertionError(f"no button {label!r} in {[o.text for o in self.last]}")

    def send(self, kind: str, **kw: Any) -> list[Outgoing]:
        return self._send(Incoming(self.channel, self.user, self.user, kind=kind, update_id=f"u{next(_updates)}",
                                   **kw))

    @property
    def text(self) -> str:
        return "\n".join(o.text for o in self.last)

    def ask(self, question: str, meeting: str = "MA", anonymous: bool = True) -> str:
        """The whole conversation for one question; returns the confirmation text."""
        self.say(f"/start m_{meeting}")
        if "Đồng ý" in [b.label for o in self.last for b in o.flat_buttons()]:
            self.press("Hỏi ẩn danh" if anonymous else "Đồng ý")
        if not anonymous:
            for _ in range(3):
                self.press("Bỏ qua")
        self.say(question)
        self.press("Gửi")
        if any(b.label == "Đúng" for o in self.last for b in o.flat_buttons()):
            self.press("Đúng")
        else:
            self.say("1")
        return self.text

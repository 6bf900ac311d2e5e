"""Settings, engine, sessions and the analyzer, built once per process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from doithoai.config import Settings, get_settings
from storage.analysis import Analyzer
from storage.db import make_engine, make_sessionmaker, session_scope


@dataclass
class Services:
    """The process's services, composed once: what `bot.context.BotHost` and `web.deps.ConsoleHost` ask for."""

    settings: Settings = field(default_factory=get_settings)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @cached_property
    def analyzer(self) -> Analyzer:
        from doithoai.wiring import NlpAnalyzer

        return NlpAnalyzer(self.settings.model_path, self.settings.fields_path, self.settings.auto_accept)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with session_scope(self.sessions) as session:
            yield session

"""Fixtures for the citizen side: a migrated SQLite database with a small world, and a bot context."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.bot import BotTestContext, make_context
from harness.factories import make_world
from storage.db import make_engine, make_sessionmaker, session_scope


@pytest.fixture
def world_url(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    with session_scope(make_sessionmaker(engine)) as session:
        make_world(session)
    engine.dispose()
    return sqlite_url


@pytest.fixture
def ctx(world_url: str) -> Iterator[BotTestContext]:
    context = make_context(world_url)
    yield context
    context.engine.dispose()

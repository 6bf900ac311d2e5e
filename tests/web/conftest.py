"""Console fixtures: a migrated SQLite database with two districts, accounts for every role."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from harness.factories import World, load_world, make_world
from storage.actions import users
from storage.db import make_engine, make_sessionmaker
from tests.web.helpers import PASSWORD, ConsoleContext, console_settings, login
from web.app import create_app


@dataclass
class Console:
    ctx: ConsoleContext
    world: World
    client: Callable[[str | None], TestClient]

    def session(self) -> Session:
        return self.ctx.sessions()


@pytest.fixture(scope="session")
def console_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world and an account for every role, made once: the accounts' argon2 hashes are most of the
    cost of a console test's setup. Each test works on its own copy (`console`)."""
    path = tmp_path_factory.mktemp("console") / "console.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with ConsoleContext(sessions=make_sessionmaker(engine)).transaction() as s:
        world = make_world(s)
        users.create_user(s, username="admin", role="admin", password=PASSWORD, full_name="Quản trị")
        users.create_user(s, username="org_a", role="organiser", password=PASSWORD, unit_id=world.district_a.id)
        users.create_user(s, username="org_b", role="organiser", password=PASSWORD, unit_id=world.district_b.id)
        users.create_user(s, username="org_p", role="organiser", password=PASSWORD, unit_id=world.province.id)
        users.create_user(s, username="agency_a", role="agency", password=PASSWORD, agency_id=world.agency_a.id)
    engine.dispose()
    return path


@pytest.fixture
def console(console_template: Path, tmp_path: Path) -> Iterator[Console]:
    path = tmp_path / "test.db"
    shutil.copy(console_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ctx = ConsoleContext(sessions=make_sessionmaker(engine), settings=console_settings(tmp_path))
    with ctx.transaction() as s:
        world = load_world(s)
    app = create_app(ctx)
    clients: list[TestClient] = []

    def client(username: str | None) -> TestClient:
        c = TestClient(app)
        clients.append(c)
        return login(c, username) if username else c

    yield Console(ctx=ctx, world=world, client=client)
    for c in clients:
        c.close()
    engine.dispose()
